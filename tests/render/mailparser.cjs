// Parse a batch of messages with Node's mailparser: stdin is a JSON list of base64 messages, stdout a
// JSON list of what a reader sees (subject, header names, addresses, date, message id, bodies).
// One process per batch: the property tests parse hundreds of messages.
"use strict";
const { simpleParser } = require("mailparser");

function addresses(field) {
  return field ? field.value.map((a) => ({ name: a.name, address: a.address })) : null;
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const messages = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const out = [];
  for (const data of messages) {
    const parsed = await simpleParser(Buffer.from(data, "base64"), { skipImageLinks: true, skipTextToHtml: true });
    out.push({
      subject: parsed.subject === undefined ? null : parsed.subject,
      headers: parsed.headerLines.map((h) => h.key),
      from: addresses(parsed.from),
      to: addresses(parsed.to),
      replyTo: addresses(parsed.replyTo),
      date: parsed.date ? parsed.date.toISOString() : null,
      messageId: parsed.messageId || null,
      contentLanguage: parsed.headers.get("content-language") || null,
      text: parsed.text === undefined ? null : parsed.text,
      html: parsed.html === false ? null : parsed.html,
    });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
