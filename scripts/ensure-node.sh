# Sourced (not run) by scripts/test.sh and scripts/dev.sh: puts Node.js 24 LTS first on PATH for
# everything they start (npm, tsc, eslint, jest, the API, the worker).
# The project runs on Node 24 (DESIGN §2; Node 20 reached end of life on 2026-04-30, and dd-trace 6
# needs Node >= 22). When the machine's `node` is older, the official Linux binary comes from the npm
# registry package `node-linux-<arch>` (a `bin/node` only; reachable where nodejs.org is not) into the
# git-ignored .tools/node, once; the machine's npm then runs under it.
NODE_VERSION=24.22.3

_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_node_major)" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) _node_arch=x64 ;;
    aarch64 | arm64) _node_arch=arm64 ;;
    *) echo "no Node.js 24 package for $(uname -m): install Node.js 24 and put it on PATH" >&2; return 1 ;;
  esac
  _node_bin="$PWD/.tools/node/node_modules/node-linux-$_node_arch/bin"
  if [ ! -x "$_node_bin/node" ] || [ "$("$_node_bin/node" --version)" != "v$NODE_VERSION" ]; then
    echo "installing Node.js $NODE_VERSION (npm package node-linux-$_node_arch) into .tools/node" >&2
    npm install --prefix .tools/node --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-$_node_arch@$NODE_VERSION"
  fi
  export PATH="$_node_bin:$PATH"
fi
echo "using Node.js $(node --version) ($(command -v node))" >&2
