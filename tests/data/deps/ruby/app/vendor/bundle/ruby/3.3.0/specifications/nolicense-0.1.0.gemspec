Gem::Specification.new do |s|
  s.name = "nolicense".freeze
  s.version = "0.1.0".freeze
end
