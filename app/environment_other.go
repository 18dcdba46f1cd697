//go:build !(desktop && darwin)

package app

func guiUnavailableHere() error { return nil }
