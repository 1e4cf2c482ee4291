# -*- encoding: utf-8 -*-
# stub: nokogiri 1.16.6 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.16.6".freeze
  s.platform = "x86_64-linux".freeze
  s.license = "MIT"
  s.summary = "Nokogiri makes it easy and painless to work with XML and HTML from Ruby.".freeze
end
