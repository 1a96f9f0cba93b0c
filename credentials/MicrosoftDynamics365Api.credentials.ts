import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';
import { acquireToken, settingsFingerprint } from '../lib/dynamics/auth';
import { parseDynamicsSettings } from '../lib/dynamics/settings';
import { n8nHttpTransport } from '../nodes/shared/transport';

/**
 * App-only access to a Dynamics 365 / Dataverse environment through a Microsoft Entra ID app
 * registration (client secret or certificate). The token lives in the hidden, expirable `accessToken`:
 * n8n calls preAuthentication when it is empty, when the credential is tested, and after a 401, and
 * stores what it returns.
 */
export class MicrosoftDynamics365Api implements ICredentialType {
	name = 'microsoftDynamics365Api';

	displayName = 'Microsoft Dynamics 365 API';

	icon: Icon = { light: 'file:../icons/dynamics365.svg', dark: 'file:../icons/dynamics365.dark.svg' };

	documentationUrl = 'https://github.com/dynamics365-sync/n8n-nodes-dynamics365-sync#setting-up-dynamics-365-server-to-server-no-user-licence';

	properties: INodeProperties[] = [
		{
			displayName: 'Root Service Address',
			name: 'rootServiceAddress',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://contoso.crm.dynamics.com',
			description:
				'The URL of your Dynamics 365 environment, as in the browser\'s address bar when you open Dynamics 365 (or Power Platform admin center → Environments → your environment → Environment URL). A Web API URL ending in /api/data/v9.2 works too.',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: '9.2',
			description: 'The Web API version: the first two numbers of the version shown in Dynamics 365 under Settings → About (9.2.24012.185 means 9.2)',
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description: 'The Directory (tenant) ID from the app registration\'s Overview page in the Azure portal, or a domain such as contoso.onmicrosoft.com',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description:
				'The Application (client) ID from the app registration\'s Overview page. The app needs an application user in the environment with a security role that can read and write contacts.',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Client Secret', value: 'clientSecret' },
				{ name: 'Certificate', value: 'certificate' },
			],
			default: 'clientSecret',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The secret\'s Value (not its Secret ID) from the app registration\'s Certificates & secrets page',
			displayOptions: { show: { authentication: ['clientSecret'] } },
		},
		{
			displayName: 'Certificate Private Key',
			name: 'certificatePrivateKey',
			type: 'string',
			typeOptions: { password: true, rows: 6 },
			default: '',
			placeholder: '-----BEGIN PRIVATE KEY-----',
			description: 'The PEM private key of the certificate uploaded to the app registration (unencrypted)',
			displayOptions: { show: { authentication: ['certificate'] } },
		},
		{
			displayName: 'Certificate Thumbprint',
			name: 'certificateThumbprint',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: '40 hexadecimal digits',
			description: 'The certificate\'s Thumbprint (SHA-1) as shown on the app registration\'s Certificates & secrets page',
			displayOptions: { show: { authentication: ['certificate'] } },
		},
		{
			displayName: 'Certificate',
			name: 'certificate',
			type: 'string',
			// Public, but masked like n8n's own SSL Certificates credential masks its certificates.
			typeOptions: { password: true, rows: 6 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				'Optional: the public certificate (PEM). Sent with each token request (x5c) for apps that trust certificates by subject name and issuer; also used to check the key and thumbprint.',
			displayOptions: { show: { authentication: ['certificate'] } },
		},
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			options: [
				{ name: 'Global', value: 'global', description: 'login.microsoftonline.com (also US Government GCC)' },
				{ name: 'US Government L4/L5 (GCC High / DoD)', value: 'usGovernment', description: 'login.microsoftonline.us' },
				{ name: 'China (21Vianet)', value: 'china', description: 'login.chinacloudapi.cn' },
			],
			default: 'global',
			description: 'The Microsoft Entra ID cloud your tenant is in',
		},
		{
			displayName: 'Use Custom Endpoint',
			name: 'useCustomEndpoint',
			type: 'boolean',
			default: false,
			description:
				'Whether to allow a Root Service Address outside Microsoft\'s Dynamics 365 domains, and a custom authority host: for on-premises (IFD) deployments or a local test server. Leave off otherwise.',
		},
		{
			displayName: 'Custom Authority Host',
			name: 'customAuthorityHost',
			type: 'string',
			default: '',
			placeholder: 'https://login.microsoftonline.com',
			description: 'The https address of the token authority; the Tenant ID is appended. Empty means the Cloud\'s host.',
			displayOptions: { show: { useCustomEndpoint: [true] } },
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{
			displayName: 'Access Token Issued For',
			name: 'accessTokenFor',
			type: 'hidden',
			// A hash over the settings, the secret's hash among them: kept from the browser like the token.
			typeOptions: { password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): Promise<IDataObject> {
		const settings = parseDynamicsSettings(credentials);
		// Without a node there is no NodeOperationError; the messages of both error types name the field or the fix.
		const transport = n8nHttpTransport((options) => this.helpers.httpRequest(options));
		const rejectedToken = typeof credentials.accessToken === 'string' && credentials.accessToken ? credentials.accessToken : undefined;
		const { token } = await acquireToken(settings, transport, { rejectedToken });
		return { accessToken: token, accessTokenFor: settingsFingerprint(settings) };
	}

	/**
	 * Adds the bearer token. A token stored for other settings (the secret, certificate, tenant or org
	 * was edited since) is not sent: the server's 401 then makes n8n fetch one for the current settings,
	 * so a test after an edit checks the new values. A relative URL (the test's "WhoAmI") is resolved
	 * against the Web API base derived from the Root Service Address, as the nodes derive it.
	 */
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const settings = parseDynamicsSettings(credentials);
		const headers = { ...requestOptions.headers };
		if (credentials.accessTokenFor === settingsFingerprint(settings)) headers.Authorization = `Bearer ${credentials.accessToken as string}`;
		const options: IHttpRequestOptions = { ...requestOptions, headers };
		if (!options.baseURL && !/^https?:\/\//i.test(options.url)) options.baseURL = settings.apiBaseUrl;
		return options;
	}

	test: ICredentialTestRequest = {
		request: {
			method: 'GET',
			url: 'WhoAmI',
			headers: { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
		},
	};
}
