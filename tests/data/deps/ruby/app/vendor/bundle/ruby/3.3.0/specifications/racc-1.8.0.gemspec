# -*- encoding: utf-8 -*-
# stub: racc 1.8.0 ruby lib
# stub: ext/racc/cparse/extconf.rb

Gem::Specification.new do |s|
  s.name = "racc".freeze
  s.version = "1.8.0".freeze

  s.require_paths = ["lib".freeze]
  s.authors = ["Example Author".freeze, "Another Author".freeze]
  s.files = ["BSDL".freeze, "COPYING".freeze, "README.rdoc".freeze]
  s.licenses = [
    "Ruby".freeze,
    "BSD-2-Clause".freeze,
  ]
  s.summary = "Racc is a LALR(1) parser generator".freeze
end
