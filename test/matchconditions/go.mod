// Evaluates the webhook configurations' matchConditions with the CEL library of Kubernetes 1.36: cel-go
// and the modules it builds on are pinned to the versions k8s.io/apiserver v0.36.6 requires.
module traceassist/test/matchconditions

go 1.26.0

require (
	github.com/google/cel-go v0.26.0
	go.yaml.in/yaml/v3 v3.0.4
)

require (
	cel.dev/expr v0.25.1 // indirect
	github.com/antlr4-go/antlr/v4 v4.13.0 // indirect
	github.com/stoewer/go-strcase v1.3.0 // indirect
	golang.org/x/exp v0.0.0-20251219203646-944ab1f22d93 // indirect
	golang.org/x/text v0.39.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20260128011058-8636f8732409 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260128011058-8636f8732409 // indirect
	google.golang.org/protobuf v1.36.12-0.20260120151049-f2248ac996af // indirect
)
