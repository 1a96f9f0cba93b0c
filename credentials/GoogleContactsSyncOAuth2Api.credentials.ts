import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

const GOOGLE_AUTH_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const PEOPLE_API_ROOT = 'https://people.googleapis.com';

/** An override when the custom endpoint switch is on and the field is filled, else Google's own URL. */
function overridable(field: string, googleUrl: string): string {
	return `={{$self["useCustomEndpoint"] && $self["${field}"] ? $self["${field}"] : "${googleUrl}"}}`;
}

/**
 * OAuth2 for the Google People API, built on n8n's own Google OAuth2 credential (`googleOAuth2Api`),
 * so the client ids and consent screens people already use with n8n's Google nodes work here too.
 * Requests from the sync nodes go through n8n's httpRequestWithAuthentication, which signs them and
 * refreshes the token on a 401. The custom endpoint switch points API calls and token refreshes at
 * another host: the project's local simulator, or a proxy.
 */
export class GoogleContactsSyncOAuth2Api implements ICredentialType {
	name = 'googleContactsSyncOAuth2Api';

	extends = ['googleOAuth2Api'];

	displayName = 'Google Contacts (Sync) OAuth2 API';

	documentationUrl = 'https://github.com/dynamics365-sync/n8n-nodes-dynamics365-sync#setting-up-the-google-credential';

	icon: Icon = { light: 'file:googleContactsSync.svg', dark: 'file:googleContactsSync.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'https://www.googleapis.com/auth/contacts',
		},
		{
			displayName: 'Use Custom Endpoint',
			name: 'useCustomEndpoint',
			type: 'boolean',
			default: false,
			description: 'Whether to send API calls and token requests to another host than Google, such as a local People API simulator or a proxy',
		},
		{
			displayName: 'API Root URL',
			name: 'apiRootUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:8092/',
			description: 'Replaces https://people.googleapis.com/; the API paths (/v1/...) are appended to it',
			displayOptions: { show: { useCustomEndpoint: [true] } },
		},
		{
			displayName: 'Token URL',
			name: 'tokenUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:8092/token',
			description: 'Replaces https://oauth2.googleapis.com/token for obtaining and refreshing access tokens',
			displayOptions: { show: { useCustomEndpoint: [true] } },
		},
		{
			displayName: 'Authorization URL',
			name: 'customAuthUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:8092/o/oauth2/v2/auth',
			description: 'Replaces Google\'s consent page for connecting the account; leave empty to keep Google\'s',
			displayOptions: { show: { useCustomEndpoint: [true] } },
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: overridable('tokenUrl', GOOGLE_TOKEN_URL),
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: overridable('customAuthUrl', GOOGLE_AUTH_URL),
		},
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{$credentials.useCustomEndpoint && $credentials.apiRootUrl ? $credentials.apiRootUrl.replace(/\\/+$/, "") : "${PEOPLE_API_ROOT}"}}`,
			url: '/v1/people/me/connections',
			qs: { pageSize: 1, personFields: 'names' },
		},
	};
}
