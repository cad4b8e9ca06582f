#!/usr/bin/env bash
# Creates the skeleton of one workspace package: tooling/mkpkg.sh <dir> <name> "<description>" [ref-dir…]
set -euo pipefail
dir=$1 name=$2 desc=$3; shift 3
mkdir -p "$dir/src" "$dir/test"
refs=""; for r in "$@"; do refs="$refs{ \"path\": \"$r\" },"; done; refs="[${refs%,}]"
cat > "$dir/package.json" <<JSON
{
  "name": "@peerconnect/$name",
  "version": "0.1.0",
  "type": "module",
  "description": "$desc",
  "license": "MIT",
  "exports": {
    ".": {
      "types": "./dist/src/index.d.ts",
      "@peerconnect/source": "./src/index.ts",
      "default": "./dist/src/index.js"
    }
  },
  "files": ["dist/src", "src", "README.md"],
  "dependencies": {},
  "devDependencies": {}
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "$(realpath --relative-to="$dir" tsconfig.base.json)",
  "compilerOptions": { "rootDir": ".", "outDir": "dist" },
  "include": ["src", "test"],
  "references": $refs
}
JSON
