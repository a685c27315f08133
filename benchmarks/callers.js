// Simulated callers for `make bench`: the same load over HTTP and over WebSocket.
//
// The channel's side of every transport is driven from here, so the transports
// are compared with one load generator: HTTP through Node's keep-alive agent and a
// service URL served by this process; WebSocket through Microsoft's own
// botframework-streaming `WebSocketClient`, one socket per call or every call on
// one socket.
//
// Each caller starts a call (conversationUpdate, then answers the bot's recording
// command) and then asks for the main menu again (key 9). A turn's latency runs
// from sending the key to the bot's answer, which comes once its replies are sent.
//
//   node benchmarks/callers.js '<settings as JSON>'    prints one JSON result
//
// modes: "saturate" {calls, turns, botPid?}: every caller presses its next key at once (and the
//            bot's CPU time per turn, when botPid is given);
//        "paced" {calls, turns, thinkS, botPid?}: every caller waits 0.5-1.5 x thinkS before each key,
//            as a person listening to a prompt does;
//        "capacity" {keyIntervalS, firstCalls, stepCalls, stepS, minTurns, maxCalls, p99LimitMs, botPid}:
//            paced callers, doubling from firstCalls then stepCalls more a step, until a
//            step's p99 passes the limit;
//        "idle" {calls, botPid}: calls left at the menu, for resident memory per call;
//        "soak" {calls, concurrency}: whole calls (start, two keys, hang-up, socket closed).
'use strict';

const http = require('http');
const fs = require('fs');
const { randomUUID } = require('crypto');
const { WebSocketClient, RequestHandler, StreamingRequest, StreamingResponse } = require('botframework-streaming');

const settings = JSON.parse(process.argv[2]);
const RECORDING_COMMAND = /^channel\/vnd\.microsoft\.telephony\.recording\./;
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

// --- the channel's side: where the bot's activities arrive ----------------------

const calls = new Map(); // conversation id -> Call

function received(conversationId, activity) {
    const call = calls.get(conversationId);
    if (call && activity.type === 'command' && RECORDING_COMMAND.test(activity.name || '')) {
        call.commands.push(activity);
    }
}

function conversationOf(path) {
    const match = /conversations\/([^/]+)\/activities/.exec(path || '');
    return match ? decodeURIComponent(match[1]) : '';
}

function startServiceUrl() {
    const server = http.createServer((request, response) => {
        const chunks = [];
        request.on('data', (chunk) => chunks.push(chunk));
        request.on('end', () => {
            try {
                received(conversationOf(request.url), JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch (_error) {
                // a body that is not JSON is answered all the same
            }
            response.writeHead(200, { 'Content-Type': 'application/json' });
            response.end(JSON.stringify({ id: randomUUID() }));
        });
    });
    server.keepAliveTimeout = 60000;
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

class ChannelRequests extends RequestHandler {
    async processRequest(request) {
        const body = request.streams.length > 0 ? await request.streams[0].readAsString() : '';
        try {
            received(conversationOf(request.path), JSON.parse(body));
        } catch (_error) {
            // as over HTTP
        }
        const response = StreamingResponse.create(200);
        response.setBody({ id: randomUUID() });
        return response;
    }
}

// --- transports ---------------------------------------------------------------

class HttpTransport {
    constructor(botUrl) {
        this.url = new URL(botUrl);
    }

    async open() {
        return this;
    }

    send(activity) {
        const body = JSON.stringify(activity);
        return new Promise((resolve, reject) => {
            const request = http.request(
                {
                    host: this.url.hostname,
                    port: this.url.port,
                    path: this.url.pathname,
                    method: 'POST',
                    agent,
                    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
                },
                (response) => {
                    response.resume();
                    response.on('end', () => resolve(response.statusCode));
                }
            );
            request.on('error', reject);
            request.end(body);
        });
    }

    close() {}
}

class SocketTransport {
    constructor(botUrl) {
        this.url = botUrl.replace(/^http/, 'ws');
    }

    async open() {
        this.client = new WebSocketClient({
            url: this.url,
            requestHandler: new ChannelRequests(),
            disconnectionHandler: () => {},
        });
        await this.client.connect();
        return this;
    }

    async send(activity) {
        const request = StreamingRequest.create('POST', '/api/messages');
        request.setBody(JSON.stringify(activity));
        const response = await this.client.send(request);
        return response.statusCode;
    }

    close() {
        this.client.disconnect();
    }
}

// One socket per call, one shared socket, or HTTP: what a new call is carried on.
// `closeAll()` closes whatever is still open and waits for the close handshakes.
function lineFactory(transport, botUrl) {
    const opened = [];
    let newLine;
    if (transport === 'http') {
        const line = new HttpTransport(botUrl);
        newLine = async () => line;
    } else if (transport === 'ws-multiplexed') {
        let shared = null;
        newLine = async () => {
            if (!shared) {
                shared = new SocketTransport(botUrl).open();
                opened.push(shared);
            }
            return { send: async (activity) => (await shared).send(activity), close: () => {} };
        };
    } else {
        newLine = async () => {
            const line = new SocketTransport(botUrl).open();
            opened.push(line);
            return line;
        };
    }
    newLine.closeAll = async () => {
        for (const line of opened) {
            (await line).close();
        }
        await sleep(opened.length ? 300 : 0);
    };
    return newLine;
}

// --- callers ------------------------------------------------------------------

class Call {
    constructor(line, serviceUrl) {
        this.line = line;
        this.id = `bench-${randomUUID()}`;
        this.serviceUrl = serviceUrl;
        this.sequence = 0;
        this.commands = [];
        calls.set(this.id, this);
    }

    activity(type, fields) {
        this.sequence += 1;
        return Object.assign(
            {
                type,
                id: `${this.id}-${this.sequence}`,
                channelId: 'telephony',
                serviceUrl: this.serviceUrl,
                conversation: { id: this.id },
                from: { id: '+14255550123', name: '+14255550123' },
                recipient: { id: '28:telephony-bot', name: '+14255550199' },
                locale: 'en-US',
            },
            fields
        );
    }

    async send(activity) {
        const status = await this.line.send(activity);
        if (status >= 400) {
            throw new Error(`the bot answered ${status} to a ${activity.type}`);
        }
    }

    async start() {
        await this.send(this.activity('conversationUpdate', { membersAdded: [{ id: '+14255550123', name: '+14255550123' }] }));
        const commands = this.commands.splice(0);
        for (const command of commands) {
            const commandId = (command.value || {}).commandId || '';
            await this.send(this.activity('commandResult', { name: command.name, value: { commandId } }));
        }
    }

    async press(key) {
        const started = process.hrtime.bigint();
        await this.send(this.activity('message', { text: key, entities: [{ type: 'DTMF' }] }));
        return Number(process.hrtime.bigint() - started) / 1e6;
    }

    async hangUp() {
        await this.send(this.activity('endOfConversation', { code: 'completedSuccessfully' }));
        calls.delete(this.id);
    }
}

function percentile(sorted, q) {
    if (sorted.length === 0) {
        return null;
    }
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function summary(latencies, elapsedS, failures) {
    const sorted = latencies.slice().sort((a, b) => a - b);
    return {
        turns: sorted.length,
        failures,
        turnsPerS: sorted.length / elapsedS,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
    };
}

async function bounded(items, limit, action) {
    let next = 0;
    async function worker() {
        while (next < items.length) {
            const item = items[next++];
            await action(item);
        }
    }
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// CPU time (user + system) the bot process has used, in ms: less swayed by busy neighbours than wall time.
function cpuMs(pid) {
    if (!pid) {
        return 0;
    }
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function rssKb(pid) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function placeCalls(count, newLine, serviceUrl) {
    const placed = [];
    await bounded(Array.from({ length: count }), 50, async () => {
        const call = new Call(await newLine(), serviceUrl);
        await call.start();
        placed.push(call);
    });
    return placed;
}

async function saturate(newLine, serviceUrl) {
    return pressNine(newLine, serviceUrl, 0);
}

async function paced(newLine, serviceUrl) {
    return pressNine(newLine, serviceUrl, settings.thinkS);
}

// Every caller presses 9 `turns` times, waiting about `thinkS` (0.5-1.5x) before each key.
async function pressNine(newLine, serviceUrl, thinkS) {
    const placed = await placeCalls(settings.calls, newLine, serviceUrl);
    const latencies = [];
    let failures = 0;
    const started = process.hrtime.bigint();
    const cpuBefore = cpuMs(settings.botPid);
    await Promise.all(
        placed.map(async (call) => {
            for (let turn = 0; turn < settings.turns; turn++) {
                if (thinkS > 0) {
                    await sleep(thinkS * 1000 * (0.5 + Math.random()));
                }
                try {
                    latencies.push(await call.press('9'));
                } catch (_error) {
                    failures += 1;
                }
            }
        })
    );
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    const botCpuMs = cpuMs(settings.botPid) - cpuBefore;
    await bounded(placed, 50, (call) => call.hangUp().catch(() => {}));
    placed.forEach((call) => call.line.close());
    return { ...summary(latencies, elapsedS, failures), botCpuMsPerTurn: latencies.length ? botCpuMs / latencies.length : null };
}

// Paced callers, a step of them at a time, until a step's p99 passes the limit.
async function capacity(newLine, serviceUrl) {
    const intervalMs = settings.keyIntervalS * 1000;
    const steps = [];
    const callers = [];
    let stopping = false;
    let window = [];
    let failures = 0;

    async function pace(call) {
        await sleep(Math.random() * intervalMs);
        while (!stopping) {
            try {
                window.push(await call.press('9'));
            } catch (_error) {
                failures += 1;
            }
            await sleep(intervalMs * (0.8 + 0.4 * Math.random()));
        }
    }

    let held = 0;
    let target = settings.firstCalls;
    while (target <= settings.maxCalls) {
        const added = await placeCalls(target - callers.length, newLine, serviceUrl);
        added.forEach((call) => callers.push(pace(call)));
        await sleep(intervalMs); // every new caller has pressed once
        window = [];
        failures = 0;
        // A p99 needs samples: measure for stepS, longer if fewer than minTurns turns came in (at most 60 s).
        const opened = process.hrtime.bigint();
        let elapsedS = 0;
        do {
            await sleep(500);
            elapsedS = Number(process.hrtime.bigint() - opened) / 1e9;
        } while (elapsedS < settings.stepS || (window.length < settings.minTurns && elapsedS < 60));
        const step = summary(window, elapsedS, failures);
        step.calls = callers.length;
        step.rssMb = settings.botPid ? rssKb(settings.botPid) / 1024 : null;
        steps.push(step);
        if (step.p99Ms === null || step.p99Ms >= settings.p99LimitMs || step.failures > 0) {
            break;
        }
        held = callers.length;
        target = Math.min(callers.length * 2, callers.length + settings.stepCalls);
    }
    stopping = true;
    await Promise.all(callers);
    return { heldCalls: held, limitMs: settings.p99LimitMs, steps };
}

async function idle(newLine, serviceUrl) {
    const before = rssKb(settings.botPid);
    const placed = await placeCalls(settings.calls, newLine, serviceUrl);
    await sleep(1000);
    const after = rssKb(settings.botPid);
    return { calls: placed.length, rssGrowthMb: (after - before) / 1024, kbPerCall: (after - before) / placed.length };
}

async function soak(newLine, serviceUrl) {
    let completed = 0;
    let failures = 0;
    const started = process.hrtime.bigint();
    await bounded(Array.from({ length: settings.calls }), settings.concurrency, async () => {
        let call = null;
        try {
            call = new Call(await newLine(), serviceUrl);
            await call.start();
            await call.press('9');
            await call.press('9');
            await call.hangUp();
            completed += 1;
        } catch (_error) {
            failures += 1;
        } finally {
            if (call) {
                call.line.close();
            }
        }
    });
    await sleep(500); // let the last close handshakes finish
    return { calls: completed, failures, elapsedS: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main() {
    const server = await startServiceUrl();
    const serviceUrl = `http://127.0.0.1:${server.address().port}/`;
    const newLine = lineFactory(settings.transport, settings.botUrl);
    const modes = { saturate, paced, capacity, idle, soak };
    const result = await modes[settings.mode](newLine, serviceUrl);
    await newLine.closeAll();
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
}

main().catch((error) => {
    process.stderr.write(`callers: ${error && error.stack}\n`);
    process.exit(1);
});
