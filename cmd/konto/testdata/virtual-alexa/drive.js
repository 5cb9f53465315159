// Usage: node drive.js SKILL_URL MODEL_FILE LOCALE ACCESS_TOKEN UTTERANCES_JSON
// virtual-alexa loads the interaction model Konto exported, resolves each
// utterance against its samples and slot types the way Alexa would, sends
// the IntentRequest to the skill URL and prints one JSON line per reply.
const { VirtualAlexa } = require("virtual-alexa");

const [url, modelFile, locale, token, utterancesJSON] = process.argv.slice(2);
const utterances = JSON.parse(utterancesJSON);

async function main() {
  const alexa = VirtualAlexa.Builder().skillURL(url).interactionModelFile(modelFile).locale(locale).create();
  alexa.context().setAccessToken(token);
  let sent = null;
  alexa.filter((request) => {
    sent = request.request.intent ? { name: request.request.intent.name, slots: request.request.intent.slots } : { type: request.request.type };
  });
  for (const u of utterances) {
    sent = null;
    let reply;
    try {
      reply = u === "<launch>" ? await alexa.launch() : await alexa.utter(u);
    } catch (err) {
      console.log(JSON.stringify({ utterance: u, error: String(err && err.message ? err.message : err) }));
      continue;
    }
    const speech = reply.response && reply.response.outputSpeech ? reply.response.outputSpeech.text : "";
    const slots = {};
    if (sent && sent.slots) {
      for (const [name, slot] of Object.entries(sent.slots)) {
        if (slot.value !== undefined) slots[name] = slot.value;
      }
    }
    console.log(JSON.stringify({ utterance: u, intent: sent && sent.name, slots, speech }));
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
