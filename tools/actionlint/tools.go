//go:build tools

// Package tools records the actionlint command as a dependency, so go.mod and go.sum pin it.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
