// A real OpenID Connect provider for the SSO tests: panva's certified oidc-provider with a small
// login and consent page of its own. Run as `node provider.mjs CONFIG.json`; CONFIG holds
// {issuer, port, accounts_file, clients: [{client_id, client_secret}], clock_offset_seconds}.
//
// Accounts live in a JSON file the tests write ({login: {sub, password, email, email_verified,
// name, groups, disabled}}) and are read again at every look-up, so a test can disable someone
// "at the provider" while it runs. clock_offset_seconds shifts this provider's clock (a provider
// whose clock is slow issues ID tokens that have already expired).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

if (config.clock_offset_seconds) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + config.clock_offset_seconds * 1000;
}

function accounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

function accountBySub(sub) {
  return Object.values(accounts()).find((a) => a.sub === sub);
}

// A disabled account keeps existing (its provider session must load) but gets no tokens, and the
// login prompt below asks it to sign in again, where it is refused as a real IdP refuses it.
async function findAccount(ctx, sub, token) {
  const account = accountBySub(sub);
  if (!account || (account.disabled && token)) return undefined;
  return {
    accountId: sub,
    async claims() {
      const claims = { sub, name: account.name, groups: account.groups || [] };
      if (account.email !== undefined) claims.email = account.email;
      if (account.email_verified !== undefined) claims.email_verified = account.email_verified;
      if (account.hd !== undefined) claims.hd = account.hd;
      return claims;
    },
  };
}

const policy = interactionPolicy.base();
policy.get('login').checks.push(new interactionPolicy.Check(
  'account_disabled',
  'the account was disabled since it signed in',
  (ctx) => (accountBySub(ctx.oidc.session.accountId)?.disabled
    ? interactionPolicy.Check.REQUEST_PROMPT
    : interactionPolicy.Check.NO_NEED_TO_PROMPT),
));

const provider = new Provider(config.issuer, {
  clients: config.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    // Any loopback port (see redirectUriAllowed below): the app under test runs on a free port.
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'hd'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // Put the granted claims in the ID token, as Microsoft Entra ID and Google do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['mission-teams-test-provider-cookie-key'] },
  ttl: {
    IdToken: 60,
    AccessToken: 300,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
  },
  routes: { authorization: '/auth', token: '/token', jwks: '/jwks', userinfo: '/me' },
});

// The app under test listens on a free loopback port, so its redirect URI is not known in
// advance: allow any loopback host and port for the app's own callback paths.
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && loopback && /^\/auth\/sso\/[a-z0-9_-]+\/callback$/.test(url.pathname);
};

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}</style></head>
<body><h1>Test IdP</h1><h2>${title}</h2>${body}</body></html>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function loginPage(uid, error = '', login = '') {
  return page('Sign in', `${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Username</label><input id="login" name="login" value="${escape(login)}" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password">
<button type="submit">Sign in to Test IdP</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
}

function consentPage(uid, clientId) {
  return page('Allow access?', `<p><strong>${escape(clientId)}</strong> would like your name, email
address and groups.</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function finish(ctx, result) {
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(to);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
  if (!match) return next();
  const [, uid, action] = match;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  ctx.type = 'html';
  if (!action && ctx.method === 'GET') {
    ctx.body = details.prompt.name === 'login'
      ? loginPage(uid)
      : consentPage(uid, details.params.client_id);
    return undefined;
  }
  if (ctx.method !== 'POST') return next();
  if (action === 'abort') {
    return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  }
  if (action === 'login') {
    const form = await formBody(ctx.req);
    const login = form.get('login') || '';
    const account = accounts()[login];
    if (!account || account.password !== form.get('password')) {
      ctx.status = 200;
      ctx.body = loginPage(uid, 'Wrong username or password.', login);
      return undefined;
    }
    if (account.disabled) {
      return finish(ctx, { error: 'access_denied', error_description: 'This account is disabled.' });
    }
    return finish(ctx, { login: { accountId: account.sub } });
  }
  // confirm: grant what the client asked for.
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scope] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
  }
  const grantId = await grant.save();
  return finish(ctx, { consent: { grantId } });
});

provider.on('server_error', (ctx, error) => {
  process.stderr.write(`server_error on ${ctx.method} ${ctx.path}: ${error.stack}\n`);
});

createServer(provider.callback()).listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on 127.0.0.1:${config.port} as ${config.issuer}\n`);
});
