// The official `openai` npm client against the real companion's OpenAI-compatible endpoint
// (POST /v1/chat/completions, GET /v1/models), with the real fake LLM server behind it.
// openai_client_test.sh starts both processes, creates the accounts and sets:
//   COMPANION_URL         the companion, e.g. http://127.0.0.1:41234
//   COMPANION_API_KEY     an API key of the test user
//   COMPANION_JWT         an access token of the same user
//   OTHER_USER_API_KEY    an API key of a second user
//   FAKE_LLM_URL          the fake LLM server (its /_control, /_reset and /_requests)
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import OpenAI from 'openai';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (openai_client_test.sh sets it)`);
  return value;
}

const companionUrl = required('COMPANION_URL');
const apiKey = required('COMPANION_API_KEY');
const accessToken = required('COMPANION_JWT');
const otherUserApiKey = required('OTHER_USER_API_KEY');
const fakeUrl = required('FAKE_LLM_URL');

const baseURL = `${companionUrl}/v1`;
// The client retries 5xx answers itself; every failure here must reach the test as it is.
const clientOptions = { baseURL, maxRetries: 0, timeout: 20_000 };
const client = new OpenAI({ ...clientOptions, apiKey });

const PERSONA_START = 'You are Companion';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ------------------------------------------------------------------ the fake LLM server
async function fakeCall(method, path, body) {
  const response = await fetch(`${fakeUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `fake LLM ${method} ${path}: ${text}`);
  return JSON.parse(text);
}

// The fake answers with this behaviour from now on, with no requests recorded yet.
async function fakeBehaves(behaviour) {
  await fakeCall('POST', '/_reset');
  await fakeCall('POST', '/_control', behaviour);
}

// The chat completions the companion sent upstream, oldest first.
async function upstreamChats() {
  const records = await fakeCall('GET', '/_requests');
  return records.filter((record) => record.path.endsWith('/chat/completions'));
}

async function onlyUpstreamChat() {
  const chats = await upstreamChats();
  assert.equal(chats.length, 1, `expected one upstream chat request, got ${chats.length}`);
  return chats[0];
}

// The fake's own token counting (tests/fake_llm/fake_server.cpp): words + 4 per message.
function fakeUsage(record) {
  const words = (text) => text.split(/[ \t\r\n]+/).filter((word) => word.length > 0).length;
  const prompt = record.body.messages
    .filter((message) => typeof message.content === 'string')
    .reduce((sum, message) => sum + words(message.content) + 4, 0);
  const completion = record.tokens_sent;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function assertPersonaFirst(messages) {
  assert.equal(messages[0].role, 'system', 'the first upstream message is the system prompt');
  assert.ok(
    messages[0].content.startsWith(PERSONA_START),
    `the system prompt starts with the persona, got: ${messages[0].content.slice(0, 80)}`,
  );
}

function indexOfMessage(messages, role, content) {
  return messages.findIndex((message) => message.role === role && message.content === content);
}

const userSays = (content) => ({ model: 'companion', messages: [{ role: 'user', content }] });

beforeEach(async () => {
  await fakeBehaves({ reply: 'Hello from the fake model' });
});

// ------------------------------------------------------------------ models
test('models.list names the companion model', async () => {
  const page = await client.models.list();
  assert.deepEqual(
    page.data.map((model) => model.id),
    ['companion'],
  );
  assert.equal(page.data[0].object, 'model');
});

test('a JWT access token works as the API key too', async () => {
  const withToken = new OpenAI({ ...clientOptions, apiKey: accessToken });
  const page = await withToken.models.list();
  assert.deepEqual(
    page.data.map((model) => model.id),
    ['companion'],
  );
});

// ------------------------------------------------------------------ non-streaming
test('a non-streaming completion returns the reply with the upstream usage and a conversation id', async () => {
  const reply = 'Good morning, it is lovely to hear from you today.';
  await fakeBehaves({ reply });
  const { data, response } = await client.chat.completions
    .create(userSays('Good morning! I slept badly.'))
    .withResponse();

  assert.equal(response.status, 200);
  assert.equal(data.object, 'chat.completion');
  assert.ok(data.id.startsWith('chatcmpl-'), `id: ${data.id}`);
  assert.equal(data.model, 'companion');
  assert.equal(data.choices.length, 1);
  assert.equal(data.choices[0].message.role, 'assistant');
  assert.equal(data.choices[0].message.content, reply);
  assert.equal(data.choices[0].finish_reason, 'stop');

  const conversationId = response.headers.get('x-conversation-id');
  assert.match(conversationId ?? '', UUID, 'the X-Conversation-Id header names the conversation');

  const upstream = await onlyUpstreamChat();
  assert.notEqual(upstream.body.stream, true, 'a non-streaming turn is not streamed upstream');
  assert.deepEqual(data.usage, fakeUsage(upstream), 'usage is what the LLM server reported');
  assert.ok(data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
});

test('the upstream prompt starts with the persona and ends with the user message', async () => {
  const message = 'Tell me something kind about rainy days.';
  await client.chat.completions.create(userSays(message));
  const { messages } = (await onlyUpstreamChat()).body;
  assertPersonaFirst(messages);
  assert.deepEqual(messages.at(-1), { role: 'user', content: message });
});

test('messages given as content parts are sent upstream as their text', async () => {
  await client.chat.completions.create({
    model: 'companion',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'First part.' },
          { type: 'text', text: 'Second part.' },
        ],
      },
    ],
  });
  const { messages } = (await onlyUpstreamChat()).body;
  assert.deepEqual(messages.at(-1), { role: 'user', content: 'First part.\nSecond part.' });
});

test('requests without X-Conversation-Id each start a new conversation', async () => {
  const first = await client.chat.completions.create(userSays('One.')).withResponse();
  const second = await client.chat.completions.create(userSays('Two.')).withResponse();
  const firstId = first.response.headers.get('x-conversation-id');
  const secondId = second.response.headers.get('x-conversation-id');
  assert.match(firstId ?? '', UUID);
  assert.match(secondId ?? '', UUID);
  assert.notEqual(firstId, secondId);
  const chats = await upstreamChats();
  assert.equal(chats.length, 2);
  assert.equal(indexOfMessage(chats[1].body.messages, 'user', 'One.'), -1,
    'a new conversation carries nothing of another one');
});

// ------------------------------------------------------------------ streaming
test('a streamed completion yields deltas that join to the reply, a stop chunk and a usage chunk', async () => {
  const reply = 'Streaming works one word after another, just like a real model.';
  await fakeBehaves({ reply, token_interval_ms: 5 });
  const { data: stream, response } = await client.chat.completions
    .create({
      ...userSays('Can you stream to me?'),
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse();

  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.match(response.headers.get('x-conversation-id') ?? '', UUID);

  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);

  for (const chunk of chunks) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.id, chunks[0].id, 'every chunk has the id of the completion');
    assert.equal(chunk.model, 'companion');
  }
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');

  const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta?.content);
  const text = contentChunks.map((chunk) => chunk.choices[0].delta.content).join('');
  assert.equal(text, reply);
  assert.ok(contentChunks.length >= 2, `the reply arrives in pieces, got ${contentChunks.length}`);

  const finishes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
  assert.equal(finishes.length, 1, 'exactly one chunk carries a finish_reason');
  assert.equal(finishes[0].choices[0].finish_reason, 'stop');

  const usageChunk = chunks.at(-1);
  assert.deepEqual(usageChunk.choices, [], 'the usage chunk comes last, without choices');
  assert.ok(chunks.indexOf(finishes[0]) < chunks.length - 1);

  const upstream = await onlyUpstreamChat();
  assert.equal(upstream.body.stream, true, 'a streamed turn is streamed upstream');
  assert.equal(upstream.outcome, 'completed');
  assert.deepEqual(usageChunk.usage, fakeUsage(upstream), 'usage is what the LLM server reported');
});

test('a streamed completion without include_usage sends no usage chunk', async () => {
  const reply = 'No usage this time.';
  await fakeBehaves({ reply });
  const stream = await client.chat.completions.create({ ...userSays('Hi.'), stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), reply);
  assert.ok(chunks.every((chunk) => chunk.choices.length === 1 && !chunk.usage),
    'every chunk has one choice and no usage');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
});

// ------------------------------------------------------------------ conversation continuity
test('X-Conversation-Id continues the conversation: the window of earlier turns goes upstream', async () => {
  const firstMessage = 'My cat is called Miso and she is twelve.';
  const firstReply = 'Miso sounds like a wise old cat.';
  await fakeBehaves({ reply: firstReply });
  const first = await client.chat.completions.create(userSays(firstMessage)).withResponse();
  const conversationId = first.response.headers.get('x-conversation-id');
  assert.match(conversationId ?? '', UUID);
  assert.equal(first.data.choices[0].message.content, firstReply);

  // Per-request header, non-streaming. The client's own system message is not what goes upstream:
  // the companion applies its persona and memory instead.
  const secondMessage = 'What is my cat called?';
  const secondReply = 'Your cat is Miso.';
  await fakeBehaves({ reply: secondReply });
  const second = await client.chat.completions
    .create(
      {
        model: 'companion',
        messages: [
          { role: 'system', content: 'A client-side system prompt.' },
          { role: 'user', content: secondMessage },
        ],
      },
      { headers: { 'X-Conversation-Id': conversationId } },
    )
    .withResponse();
  assert.equal(second.response.headers.get('x-conversation-id'), conversationId);
  assert.equal(second.data.choices[0].message.content, secondReply);

  const secondUpstream = (await onlyUpstreamChat()).body.messages;
  assertPersonaFirst(secondUpstream);
  const firstUser = indexOfMessage(secondUpstream, 'user', firstMessage);
  const firstAssistant = indexOfMessage(secondUpstream, 'assistant', firstReply);
  assert.ok(firstUser > 0, 'the first user message is in the second prompt');
  assert.ok(firstAssistant > firstUser, 'the first reply follows it');
  assert.deepEqual(secondUpstream.at(-1), { role: 'user', content: secondMessage });
  assert.equal(secondUpstream.length - 1, firstAssistant + 1, 'the new message comes right after');
  assert.ok(
    !secondUpstream.some((message) => message.content.includes('A client-side system prompt.')),
    "the client's system message is not sent upstream",
  );

  // A client whose default headers name the conversation, streaming this time.
  const thirdMessage = 'And how old is she?';
  const thirdReply = 'She is twelve, you told me.';
  await fakeBehaves({ reply: thirdReply });
  const sameConversation = new OpenAI({
    ...clientOptions,
    apiKey,
    defaultHeaders: { 'X-Conversation-Id': conversationId },
  });
  const { data: stream, response } = await sameConversation.chat.completions
    .create({ ...userSays(thirdMessage), stream: true })
    .withResponse();
  assert.equal(response.headers.get('x-conversation-id'), conversationId);
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, thirdReply);

  const thirdUpstream = (await onlyUpstreamChat()).body.messages;
  assertPersonaFirst(thirdUpstream);
  const order = [
    indexOfMessage(thirdUpstream, 'user', firstMessage),
    indexOfMessage(thirdUpstream, 'assistant', firstReply),
    indexOfMessage(thirdUpstream, 'user', secondMessage),
    indexOfMessage(thirdUpstream, 'assistant', secondReply),
    thirdUpstream.length - 1,
  ];
  assert.ok(order[0] > 0, 'the window of earlier turns is in the third prompt');
  assert.deepEqual([...order].sort((a, b) => a - b), order, `oldest first: ${order}`);
  assert.equal(new Set(order).size, order.length);
  assert.deepEqual(thirdUpstream.at(-1), { role: 'user', content: thirdMessage });
});

test("an unknown or another user's conversation id is a NotFoundError and never reaches the LLM", async () => {
  const own = await client.chat.completions.create(userSays('Mine.')).withResponse();
  const conversationId = own.response.headers.get('x-conversation-id');
  assert.match(conversationId ?? '', UUID);
  await fakeBehaves({ reply: 'should not be asked' });

  const unknownId = conversationId.replace(/[0-9a-f]/g, '0');
  await assert.rejects(
    client.chat.completions.create(userSays('Hello?'), {
      headers: { 'X-Conversation-Id': unknownId },
    }),
    (error) => {
      assert.ok(error instanceof OpenAI.NotFoundError, `${error}`);
      assert.equal(error.status, 404);
      return true;
    },
  );

  const otherUser = new OpenAI({ ...clientOptions, apiKey: otherUserApiKey });
  await assert.rejects(
    otherUser.chat.completions.create(
      { ...userSays('Let me in.'), stream: true },
      { headers: { 'X-Conversation-Id': conversationId } },
    ),
    (error) => {
      assert.ok(error instanceof OpenAI.NotFoundError, `${error}`);
      assert.equal(error.status, 404);
      return true;
    },
  );
  assert.equal((await upstreamChats()).length, 0);
});

// ------------------------------------------------------------------ errors
test('a wrong API key is an AuthenticationError (401) in the OpenAI error shape', async () => {
  const stranger = new OpenAI({ ...clientOptions, apiKey: 'ck_this-key-was-never-issued-0123456789' });
  for (const call of [
    () => stranger.models.list(),
    () => stranger.chat.completions.create(userSays('Who am I?')),
    () => stranger.chat.completions.create({ ...userSays('Who am I?'), stream: true }),
  ]) {
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof OpenAI.AuthenticationError, `${error}`);
      assert.equal(error.status, 401);
      assert.equal(error.type, 'authentication_error');
      assert.equal(typeof error.error?.message, 'string');
      return true;
    });
  }
  assert.equal((await upstreamChats()).length, 0, 'nothing reached the LLM server');
});

test('an LLM server answering 503 makes the client throw an APIError 503 llm_unavailable', async () => {
  // More 503s than the companion's retries (LLM_MAX_RETRIES=1), then a good answer.
  const recovered = 'Back again.';
  await fakeBehaves({ reply: recovered, sequence: [{ status: 503 }, { status: 503 }] });
  await assert.rejects(client.chat.completions.create(userSays('Are you there?')), (error) => {
    assert.ok(error instanceof OpenAI.InternalServerError, `${error}`);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'llm_unavailable');
    assert.equal(error.type, 'server_error');
    return true;
  });
  const statuses = (await upstreamChats()).map((record) => record.status);
  assert.deepEqual(statuses, [503, 503], 'the companion tried once and retried once');

  const answer = await client.chat.completions.create(userSays('Now?'));
  assert.equal(answer.choices[0].message.content, recovered);
});

test('an LLM server answering 500 makes the client throw an APIError 502 llm_error', async () => {
  await fakeBehaves({ status: 500, error_message: 'the model crashed' });
  await assert.rejects(client.chat.completions.create(userSays('Hello?')), (error) => {
    assert.ok(error instanceof OpenAI.InternalServerError, `${error}`);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'llm_error');
    return true;
  });
});

test('an LLM server that never answers makes the client throw an APIError 504 llm_timeout', async () => {
  await fakeBehaves({ hang: true });
  const started = Date.now();
  await assert.rejects(client.chat.completions.create(userSays('Hello?')), (error) => {
    assert.ok(error instanceof OpenAI.APIError, `${error}`);
    assert.ok(!(error instanceof OpenAI.APIConnectionTimeoutError), 'the companion answered');
    assert.equal(error.status, 504);
    assert.equal(error.code, 'llm_timeout');
    return true;
  });
  assert.ok(Date.now() - started < 15_000, 'answered within the companion LLM timeout');
});

test('an LLM failure after the stream started makes the stream iteration throw an APIError', async () => {
  await fakeBehaves({ status: 503, error_message: 'overloaded' });
  const stream = await client.chat.completions.create({ ...userSays('Stream?'), stream: true });
  const chunks = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })(),
    (error) => {
      assert.ok(error instanceof OpenAI.APIError, `${error}`);
      assert.equal(error.code, 'llm_unavailable');
      assert.match(error.message, /unavailable/);
      return true;
    },
  );
  const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, '', 'no reply text arrived before the error');
});
