// A real OpenID provider for the tests (npm `oidc-provider`, a certified implementation):
// one confidential client, and a login page where the test says who it is.
//
//   node tests/oidc/provider.mjs <port> <client id> <client secret> <redirect uri>...
//
// The login form takes the account's subject, email, whether the email is verified and a
// name; the account is then remembered (in memory) under that subject. Consent is implied
// for the one client (a first-party app), so a login goes straight back to the redirect URI.
// Prints "ready <issuer>" once it listens on 127.0.0.1.
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";

const [port, clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map(); // subject -> { email, email_verified, name }
const SCOPES = "openid email profile";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 }); // signs ID tokens

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  scopes: SCOPES.split(" "),
  jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), use: "sig" }] },
  features: { devInteractions: { enabled: false } },
  async findAccount(ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
});

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid) {
  return `<!doctype html><title>Test provider: log in</title>
<form method="post" action="/interaction/${escape(uid)}">
<label>Subject <input name="sub"></label>
<label>Email <input name="email"></label>
<label><input type="checkbox" name="email_verified" value="true"> verified</label>
<label>Name <input name="name"></label>
<button type="submit">Log in</button>
</form>`;
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET") {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(loginPage(uid));
    return;
  }
  const form = await readForm(req);
  const sub = form.get("sub");
  accounts.set(sub, {
    email: form.get("email"),
    email_verified: form.get("email_verified") === "true",
    name: form.get("name") || "",
  });
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: sub } },
    { mergeWithLastSubmission: false },
  );
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(req.url);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1]).catch((error) => {
    res.writeHead(400, { "Content-Type": "text/plain" });
    res.end(String(error));
  });
});
server.listen(Number(port), "127.0.0.1", () => console.log(`ready ${issuer}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
