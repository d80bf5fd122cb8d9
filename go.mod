module github.com/meshydb/meshydb-go

go 1.26.0

require (
	github.com/jarcoal/httpmock v1.4.2
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/oauth2 v0.38.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
