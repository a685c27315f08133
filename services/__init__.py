"""Back ends the call talks to: accounts and payments. A fork replaces the demo ones."""
