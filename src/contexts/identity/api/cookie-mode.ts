import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ValidationFailedError } from '../../../platform/http/problem';
import { AuthService, type LoginInput, type TokenPair } from '../auth.service';
import { AuthError } from '../domain/auth.errors';
import { SessionError } from '../domain/session.errors';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { SessionsService } from '../sessions.service';
import type { TokenRequestDto } from './auth.dto';
import type { AuthenticatedUser } from './authenticated-user';
import { clientInfo } from './client-info';
import {
  assertCsrf,
  assertSameOrigin,
  clearSessionCookies,
  CookieModeError,
  readCookie,
  REFRESH_COOKIE,
  setSessionCookies,
} from './refresh-cookie';

/** What a cookie-mode token response carries: the access token and the CSRF token, never the refresh token. */
export type CookieTokens = Omit<TokenPair, 'refresh_token'> & { csrf_token: string };

/** The body may not carry the refresh token in cookie mode: it comes from the cookie only. */
function refuseTokenInBody(body: { refresh_token?: unknown } | undefined): void {
  if (body?.refresh_token === undefined) return;
  throw new ValidationFailedError([
    {
      field: 'refresh_token',
      code: 'not_allowed_in_cookie_mode',
      message: 'In cookie mode the refresh token comes from the cookie, never from the body.',
    },
  ]);
}

/**
 * The cookie mode (`?cookie=1`) of the token endpoints: the same login, refresh and logout
 * as the JSON mode, with the refresh token kept in its HttpOnly cookie and every use of that
 * cookie checked for same origin and CSRF (`refresh-cookie.ts` holds the cookies and checks).
 */
@Injectable()
export class CookieMode {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  async login(body: TokenRequestDto, request: FastifyRequest, reply: FastifyReply): Promise<CookieTokens> {
    assertSameOrigin(request);
    return this.inCookies(reply, await this.auth.login(body as LoginInput, clientInfo(request)));
  }

  /** A sign-in by another ceremony (a passkey), its tokens delivered in cookies like `login`'s. */
  async signIn(request: FastifyRequest, reply: FastifyReply, signIn: () => Promise<TokenPair>): Promise<CookieTokens> {
    assertSameOrigin(request);
    return this.inCookies(reply, await signIn());
  }

  async refresh(
    body: { refresh_token?: unknown } | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<CookieTokens> {
    assertSameOrigin(request);
    refuseTokenInBody(body);
    const presented = readCookie(request, REFRESH_COOKIE);
    if (presented === undefined) {
      clearSessionCookies(reply);
      throw CookieModeError.noRefreshCookie();
    }
    assertCsrf(request, presented);
    try {
      return this.inCookies(reply, await this.auth.refresh(presented, clientInfo(request)));
    } catch (error) {
      // A refresh cookie that stopped working (reused, revoked, expired) is of no further use.
      if (error instanceof DomainError && error.status === 401) clearSessionCookies(reply);
      throw error;
    }
  }

  /**
   * Revokes the bearer's session and the refresh cookie's (the CSRF check guards the cookie),
   * then clears both cookies. A cookie whose session is already gone still gets cleared.
   */
  async logout(
    body: { refresh_token?: unknown } | undefined,
    request: FastifyRequest & { user?: AuthenticatedUser },
    reply: FastifyReply,
  ): Promise<void> {
    assertSameOrigin(request);
    refuseTokenInBody(body);
    const presented = readCookie(request, REFRESH_COOKIE);
    if (presented !== undefined) assertCsrf(request, presented);
    const bearer = request.user;
    clearSessionCookies(reply);
    if (presented === undefined && !bearer?.sessionId) throw AuthError.unauthenticated();
    if (bearer?.sessionId) await this.sessions.revoke(bearer.sessionId, bearer.id, 'logout');
    if (presented !== undefined) {
      try {
        await this.sessions.revokeByRefreshToken(presented, 'logout');
      } catch (error) {
        if (!(error instanceof SessionError && error.code === 'invalid_refresh_token')) throw error;
      }
    }
  }

  /** The refresh token goes into its HttpOnly cookie, the body gets the CSRF token instead. */
  inCookies(reply: FastifyReply, pair: TokenPair): CookieTokens {
    const maxAge = Math.min(this.config.sessionIdleTimeout, this.config.sessionMaxLifetime);
    const csrf = setSessionCookies(reply, pair.refresh_token, maxAge);
    return { access_token: pair.access_token, token_type: pair.token_type, expires_in: pair.expires_in, csrf_token: csrf };
  }
}
