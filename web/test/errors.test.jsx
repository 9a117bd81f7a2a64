import { describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { ApiError, api, errorFromResponse, errorText, setTokens } from '../src/api/client.js';
import { translate } from '../src/i18n/index.jsx';
import ErrorMessage from '../src/components/ErrorMessage.jsx';
import { jsonResponse, renderWith } from './helpers.jsx';

const tKo = (k, v) => translate('ko', k, v);
const tEn = (k, v) => translate('en', k, v);

describe('error translation', () => {
  it('turns an error body into an ApiError with code, field and request id', async () => {
    const res = jsonResponse(
      { error: { code: 'validation_failed', message: 'the password is too short; ...', request_id: 'abc123', field: 'password' } },
      400,
    );
    const err = await errorFromResponse(res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'validation_failed', field: 'password', requestId: 'abc123' });
    expect(errorText(err, tKo)).toMatch(/^비밀번호는 10~128자/);
    expect(errorText(err, tEn)).toMatch(/^Passwords need 10 to 128 characters/);
  });

  it('maps codes to sentences, with page-specific overrides and a generic fallback', () => {
    expect(errorText(new ApiError({ code: 'rate_limited' }), tKo)).toBe(translate('ko', 'error.rate_limited'));
    expect(errorText(new ApiError({ code: 'not_found' }), tEn)).toBe('Nothing was found.');
    expect(errorText(new ApiError({ code: 'unauthorized' }), tEn, { unauthorized: 'error.login_failed' })).toBe(
      'The email or password is not correct.',
    );
    expect(errorText(new ApiError({ code: 'brand_new_code' }), tEn)).toBe(translate('en', 'error.unknown'));
    // a validation error on a field without its own sentence uses the code's
    expect(errorText(new ApiError({ code: 'validation_failed', field: 'zzz' }), tEn)).toBe(translate('en', 'error.validation_failed'));
    expect(errorText(new TypeError('Failed to fetch'), tKo)).toBe(translate('ko', 'error.network'));
  });

  it('copes with a non-JSON error page (e.g. a proxy) by the status code', async () => {
    const res = new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
    const err = await errorFromResponse(res);
    expect(err.code).toBe('bad_gateway');
    expect(errorText(err, tEn)).toBe(translate('en', 'error.bad_gateway'));
  });

  it('renders the translated sentence and the request id, never the raw server message', () => {
    const err = new ApiError({ code: 'conflict', message: 'an account with this email already exists', requestId: 'req-9' });
    renderWith(<ErrorMessage error={err} context={{ conflict: 'error.email_taken' }} />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('이미 가입된 이메일입니다. 로그인하세요.');
    expect(alert).toHaveTextContent('문의 번호: req-9');
    expect(alert).not.toHaveTextContent('an account with this email');
    expect(alert).not.toHaveTextContent('{');
  });

  it('api() throws the translated-ready ApiError and a network failure as code "network"', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ error: { code: 'not_found', message: 'no drug', request_id: 'r1' } }, 404)));
    await expect(api('/drug/9')).rejects.toMatchObject({ code: 'not_found', requestId: 'r1' });
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }));
    const err = await api('/drug').catch((e) => e);
    expect(err.code).toBe('network');
    expect(errorText(err, tKo)).toBe(translate('ko', 'error.network'));
  });

  it('api() refreshes an expired access token once and retries', async () => {
    setTokens({ access: 'old', refresh: 'r-old', user: { id: 'u' } });
    const calls = [];
    vi.stubGlobal('fetch', vi.fn(async (url, init) => {
      calls.push([url, init.headers.authorization]);
      if (url.endsWith('/account/token/refresh')) {
        expect(JSON.parse(init.body)).toEqual({ refresh_token: 'r-old' });
        return jsonResponse({ user: { id: 'u' }, access_token: 'new', refresh_token: 'r-new', token_type: 'Bearer', expires_in: 900 });
      }
      if (init.headers.authorization === 'Bearer old') return jsonResponse({ error: { code: 'unauthorized', message: 'expired' } }, 401);
      return jsonResponse({ id: 'u', email: 'a@b.co' });
    }));
    await expect(api('/account/me')).resolves.toEqual({ id: 'u', email: 'a@b.co' });
    expect(calls.map((c) => c[1] || 'none')).toEqual(['Bearer old', 'none', 'Bearer new']);
    expect(JSON.parse(localStorage.getItem('medi.tokens')).refresh).toBe('r-new');
    setTokens(null);
  });
});
