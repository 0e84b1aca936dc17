"""``python -m bot.cli``: the same as the ``finetune-check`` console script."""

from bot.cli import main

raise SystemExit(main())
