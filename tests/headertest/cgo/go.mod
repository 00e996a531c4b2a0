module github.com/ktsnap/ktsnap/tests/headertest/cgo

go 1.19
