int odd(int n) { return n % 2; }
