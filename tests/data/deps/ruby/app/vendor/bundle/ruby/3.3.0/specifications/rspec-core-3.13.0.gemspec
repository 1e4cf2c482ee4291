# -*- encoding: utf-8 -*-
# stub: rspec-core 3.13.0 ruby lib

Gem::Specification.new do |s|
  s.name = "rspec-core".freeze
  s.version = "3.13.0".freeze
  s.summary = "rspec-core-3.13.0".freeze
end
