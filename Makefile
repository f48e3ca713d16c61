# The two commands a newcomer needs (see README.md).
.PHONY: dev test smoke install typecheck lint

dev:        ## run the whole stack locally: Postgres, Temporal dev server + UI, worker, API
	bash scripts/dev.sh

test:       ## install what is missing, type-check, lint, and run all tests against real Postgres + Temporal
	bash scripts/test.sh

smoke:      ## start the dev stack, route ten demo leads, print the times, stop
	bash scripts/dev.sh --smoke

install:
	bash -c 'source scripts/ensure-node.sh && bash scripts/ensure-deps.sh'

typecheck:
	npx tsc --noEmit

lint:
	npx eslint --max-warnings=0 .
