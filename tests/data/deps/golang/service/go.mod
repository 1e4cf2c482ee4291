module github.com/example/service

go 1.22.0

toolchain go1.22.4

require (
	github.com/BurntSushi/toml v1.4.0
	github.com/google/uuid v1.6.0
	github.com/sirupsen/logrus v1.9.3
	gopkg.in/yaml.v3 v3.0.1
	example.com/internal/shared v0.0.0-00010101000000-000000000000
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.9.0 // indirect; used by the integration tests
	github.com/example/Mixed-Case v0.2.0 // pinned: see issue 12
)

require github.com/pkg/errors v0.9.1

replace github.com/sirupsen/logrus v1.9.3 => github.com/example/logrus-fork v1.9.4

replace example.com/internal/shared => ../shared

exclude github.com/google/uuid v1.5.0

retract (
	v0.1.0 // published by mistake
	[v0.2.0, v0.2.3]
)
