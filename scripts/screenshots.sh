#!/usr/bin/env bash
# screenshots.sh regenerates screenshots/*.png: each main view of the TUI,
# rendered on the demo cluster by the real View code at 120×36 in true
# colour (go test ./ui -run TestScreenshots -shots DIR), then drawn as PNG
# by charmbracelet/freeze v0.2.2. Run it from anywhere whenever a view
# changes; it needs the Go module proxy the first time, for freeze.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go test ./ui -run '^TestScreenshots$' -count=1 -shots "$work/ansi"

# freeze v0.2.2 pins wazero v1.8.0, whose compiler crashes under Go 1.26
# while writing PNGs; the same freeze built with wazero v1.10.1 works.
mkdir "$work/freeze"
(
	cd "$work/freeze"
	go mod init netviz-screenshots >/dev/null 2>&1
	GOFLAGS=-mod=mod go get github.com/charmbracelet/freeze@v0.2.2 github.com/tetratelabs/wazero@v1.10.1 >/dev/null 2>&1
	GOFLAGS=-mod=mod go build -o "$work/freeze-bin" github.com/charmbracelet/freeze
)

mkdir -p "$root/screenshots"
for f in "$work"/ansi/*.ansi; do
	name=$(basename "${f%.ansi}")
	# --line-height 1.0 keeps box borders unbroken.
	"$work/freeze-bin" "$f" -o "$root/screenshots/$name.png" \
		--line-height 1.0 --background "#000000" --padding 20 --margin 0 >/dev/null
	chmod 644 "$root/screenshots/$name.png" # freeze writes 0600
	echo "screenshots/$name.png"
done
