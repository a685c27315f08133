// Streaming transport of the Telephony channel simulator.
//
// Drives Microsoft's own Bot Framework streaming client (botframework-streaming's
// WebSocketClient) so the bot is exercised by the same protocol code the real
// channel speaks. The Python simulator talks to this script over stdin/stdout,
// one JSON object per line:
//   in:  {op: "connect", line, url}      open a WebSocket for one call
//        {op: "send", line, id, activity} POST /api/messages over that socket
//        {op: "reply", id, status, body}  answer a request the bot made
//        {op: "close", line}              hang the socket up
//   out: {ev: "connected", line, error?}
//        {ev: "sent", id, status?, error?}
//        {ev: "request", line, id, verb, path, body}
//        {ev: "disconnected", line}
'use strict';

const readline = require('readline');
const { WebSocketClient, RequestHandler, StreamingRequest, StreamingResponse } = require('botframework-streaming');

const lines = new Map();
const pendingReplies = new Map();
let nextRequestId = 0;

function emit(message) {
    process.stdout.write(JSON.stringify(message) + '\n');
}

// Requests the bot sends over the socket (its replies, commands, transfers)
// are handed to Python, which answers them as the Bot Connector would.
class ChannelRequestHandler extends RequestHandler {
    constructor(line) {
        super();
        this.line = line;
    }

    async processRequest(request) {
        const body = request.streams.length > 0 ? await request.streams[0].readAsString() : '';
        const id = `r${nextRequestId++}`;
        const answer = new Promise((resolve) => pendingReplies.set(id, resolve));
        emit({ ev: 'request', line: this.line, id, verb: request.verb, path: request.path, body });
        const { status, body: replyBody } = await answer;
        const response = StreamingResponse.create(status);
        if (replyBody !== undefined && replyBody !== null) {
            response.setBody(replyBody);
        }
        return response;
    }
}

async function connect({ line, url }) {
    const client = new WebSocketClient({
        url,
        requestHandler: new ChannelRequestHandler(line),
        disconnectionHandler: () => {
            if (lines.delete(line)) {
                emit({ ev: 'disconnected', line });
            }
        },
    });
    try {
        await client.connect();
        lines.set(line, client);
        emit({ ev: 'connected', line });
    } catch (error) {
        emit({ ev: 'connected', line, error: String(error && error.message) });
    }
}

async function send({ line, id, activity }) {
    const client = lines.get(line);
    if (!client) {
        emit({ ev: 'sent', id, error: `line ${line} is not connected` });
        return;
    }
    try {
        const request = StreamingRequest.create('POST', '/api/messages');
        request.setBody(JSON.stringify(activity));
        const response = await client.send(request);
        let body = null;
        if (response.streams && response.streams.length > 0) {
            body = await response.streams[0].readAsString();
        }
        emit({ ev: 'sent', id, status: response.statusCode, body });
    } catch (error) {
        emit({ ev: 'sent', id, error: String(error && error.message) });
    }
}

function reply({ id, status, body }) {
    const resolve = pendingReplies.get(id);
    if (resolve) {
        pendingReplies.delete(id);
        resolve({ status, body });
    }
}

function close({ line }) {
    const client = lines.get(line);
    if (client) {
        lines.delete(line);
        client.disconnect();
        emit({ ev: 'disconnected', line });
    }
}

const operations = { connect, send, reply, close };

readline.createInterface({ input: process.stdin }).on('line', (text) => {
    let message;
    try {
        message = JSON.parse(text);
    } catch (_error) {
        process.stderr.write(`ws_client: not JSON: ${text.slice(0, 80)}\n`);
        return;
    }
    const operation = operations[message.op];
    if (operation) {
        Promise.resolve(operation(message)).catch((error) => process.stderr.write(`ws_client: ${error}\n`));
    } else {
        process.stderr.write(`ws_client: unknown op ${message.op}\n`);
    }
}).on('close', () => {
    for (const client of lines.values()) {
        client.disconnect();
    }
    process.exit(0);
});
