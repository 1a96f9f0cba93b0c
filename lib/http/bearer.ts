/**
 * Bearer authentication for standalone use (inside n8n, n8n's httpRequestWithAuthentication does this
 * job with the credential's stored token). A 401 gets one fresh token and one retry: the server did not
 * process the request, so repeating it is safe for writes too.
 */
import type { HttpRequest, HttpTransport } from './transport';

export interface TokenProvider {
	/** forceRefresh: the last token was rejected, do not hand it out again. */
	getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

function withBearer(request: HttpRequest, token: string): HttpRequest {
	return { ...request, headers: { ...request.headers, Authorization: `Bearer ${token}` } };
}

export function authenticatedTransport(transport: HttpTransport, tokens: TokenProvider): HttpTransport {
	return async (request) => {
		const response = await transport(withBearer(request, await tokens.getToken()));
		if (response.status !== 401) return response;
		return transport(withBearer(request, await tokens.getToken({ forceRefresh: true })));
	};
}
