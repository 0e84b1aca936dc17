"""Committee voting: the domain and its rules, the wording, committee and thread-vote parsing and
the voting service (import from the modules themselves)."""
