"""What is posted to the app, read within limits: JSON bodies, Event Grid deliveries, and log lines about them.

`json_body` reads a request body as JSON that a caller cannot make costly or strange;
`event_grid` reads what Event Grid and Call Automation post (single events or batches,
either schema) and checks the webhook's `?code=` secret; `log_safety` writes what they
hold into log lines escaped, summarized and at a bounded rate. They know aiohttp and the
Azure event models only, no bot SDK: the bot's hosting, `callautomation/` and
`recordings/` all read with them.
"""
