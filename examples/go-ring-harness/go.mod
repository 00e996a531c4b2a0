module github.com/ktsnap/ktsnap/examples/go-ring-harness

go 1.19

require github.com/ktsnap/ktsnap/bindings/go/ktsnap v0.0.0

replace github.com/ktsnap/ktsnap/bindings/go/ktsnap => ../../bindings/go
