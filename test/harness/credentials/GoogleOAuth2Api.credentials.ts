import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * n8n-nodes-base's Google OAuth2 credential, which Google credentials extend; property definitions
 * copied from n8n-nodes-base's `dist/credentials/GoogleOAuth2Api.credentials.js`.
 */
export class GoogleOAuth2Api implements ICredentialType {
	name = 'googleOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Google OAuth2 API';

	documentationUrl = 'google/oauth-generic';

	properties: INodeProperties[] = [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: 'https://accounts.google.com/o/oauth2/v2/auth',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: 'https://oauth2.googleapis.com/token',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: 'access_type=offline&prompt=consent',
		},
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	];
}
