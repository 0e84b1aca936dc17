"""`python -m bot`: start the app (Socket Mode or HTTP), as `finetune-check serve` does."""

import sys

from bot.composition import main

sys.exit(main())
