import { h, type Html } from './html.js';

export function loginPage(o: { next: string; error: string | null; loginCsrf: string }): Html {
  return h`<section class="login" aria-labelledby="login-title">
<h1 id="login-title">Sign in</h1>
<p>Use the access token the server's administrator gave you (the same one <code>cjm-tui</code> uses).</p>
${o.error ? h`<p class="flash flash-error" role="alert" id="login-error">${o.error}</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="${o.loginCsrf}">
  <input type="hidden" name="next" value="${o.next}">
  <div class="field"><label for="f-token">Token</label><input type="password" id="f-token" name="token" required autocomplete="current-password"${o.error ? h` aria-invalid="true" aria-describedby="login-error"` : ''} autofocus></div>
  <div class="submit"><button type="submit" class="primary">Sign in</button></div>
</form>
</section>`;
}
