//go:build !ktsnap_debug

package ktsnap

func debugGC() {}
