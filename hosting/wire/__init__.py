"""Activities on the wire: JSON in and out, the shape check, the connector, the turn context.

`activity_json` reads and writes activities in one pass with msrest's results
(`iso_time` reads their timestamps); `activity_shape` refuses a document the SDK or the
bot cannot take; `posted_activity` serves a POST to /api/messages; `connector`,
`transport` and `tokens` send the bot's replies over aiohttp with a kept bearer token;
`turn_context` copies what the bot sends without `copy.deepcopy`.
"""
