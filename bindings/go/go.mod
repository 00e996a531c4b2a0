module github.com/ktsnap/ktsnap/bindings/go/ktsnap

go 1.19
