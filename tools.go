//go:build tools

// This file pins modules that netviz packages import while they are being
// written; go mod tidy keeps them.
package main

import (
	_ "charm.land/bubbles/v2/help"
	_ "charm.land/bubbles/v2/key"
	_ "charm.land/bubbles/v2/spinner"
	_ "charm.land/bubbles/v2/textinput"
	_ "charm.land/bubbles/v2/viewport"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/goccy/go-graphviz"
	_ "github.com/spf13/cobra"
	_ "gonum.org/v1/gonum/graph/multi"
	_ "gonum.org/v1/gonum/graph/path"
	_ "gonum.org/v1/gonum/graph/traverse"
	_ "k8s.io/apimachinery/pkg/util/yaml"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/cli-runtime/pkg/resource"
	_ "k8s.io/client-go/informers"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/kubernetes/scheme"
	_ "k8s.io/client-go/tools/cache"
	_ "k8s.io/client-go/tools/clientcmd"
	_ "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	_ "sigs.k8s.io/network-policy-api/pkg/client/clientset/versioned"
	_ "sigs.k8s.io/yaml"
)
