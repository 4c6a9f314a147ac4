# Two commands do everything on a fresh Debian machine with python3.10:
#   make run    install, train if needed, run Redis, Rasa, actions and the gateway under
#               supervisord (a service that exits is restarted; docs/deploy.md)
#   make test   install, then lint, type-check and run both test tiers
.PHONY: run test test-fast test-bot setup setup-test train eval bench lint lock clean

run: setup
	scripts/run.sh

test: setup-test
	scripts/test.sh

test-fast: setup  ## the fast tier alone: the gateway's logic in-process, in seconds
	scripts/test.sh --fast

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --browser

train: setup  ## retrain only if config, domain, bot/data or bot/ code changed; a running make run switches to it
	bash -c '. scripts/env.sh && exec .venv/bin/python -m bot.training --publish'

test-bot: setup  ## rasa test on the trainers' test stories, then the intent report per intent
	.venv/bin/rasa test core --model $$(.venv/bin/python -m bot.training) --stories tests/stories \
		--out test-output/rasa-stories --fail-on-prediction-errors
	.venv/bin/python -m bot.training_report --per-intent

eval: setup  ## FAQ retrieval figures on the held-back queries
	.venv/bin/python -m bot.faq eval --faq bot/data/faq.yml --queries tests/data/heldout_queries.csv

bench: setup  ## throughput/latency against stock Rasa; the README lists every bench/ script
	.venv/bin/python -m bench.rasa_rest

lint: setup
	.venv/bin/ruff check bot actions handoff tests bench devstack
	.venv/bin/ruff format --check bot actions handoff tests bench devstack
	.venv/bin/mypy

lock:  ## re-resolve requirements.in into requirements.lock
	rm -rf /tmp/lock-venv && $$(scripts/find-python310.sh) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install -q -r requirements.in
	/tmp/lock-venv/bin/pip freeze --all --exclude-editable | grep -v "^pip==" > requirements.lock

clean:
	rm -rf models var test-output
