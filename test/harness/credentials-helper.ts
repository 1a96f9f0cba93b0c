/**
 * The ICredentialsHelper the n8n CLI supplies to n8n-core (`packages/cli/src/credentials-helper.ts`
 * in n8n 2.40), with its credentials table replaced by an in-memory one. Stored values are encrypted
 * with n8n-core's own Credentials class, so they make the same JSON round trip as in a database.
 * Left out, because nothing here uses them: credential overwrites, external secrets, dynamic
 * (per-user) credentials, policy enforcement and JSON-leaf expressions.
 */
import { Credentials, getAdditionalKeys } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	UnexpectedError,
	UserError,
	Workflow,
	getCredentialOwnRequestAllowedDomains,
	isExpression,
	type ICredentialDataDecryptedObject,
	type ICredentialTypes,
	type ICredentialsExpressionResolveValues,
	type IDataObject,
	type IExecuteData,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeParameters,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type IWorkflowDataProxyAdditionalKeys,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';
import { singleNodeTypeRegistry } from './node-registry';

interface StoredCredential {
	id: string;
	name: string;
	type: string;
	/** Ciphertext, as in the CLI's credentials table. */
	data: string;
}

/** The node the CLI resolves credential expressions against when no execution is running. */
const expressionNode: INode = {
	id: 'credential-expressions',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};

const expressionNodeTypes = singleNodeTypeRegistry('mock', { description: { properties: [] } } as never);

/**
 * Applies the credential's allowed-domains list to the requests its `preAuthentication` sends,
 * exposing only the one request method `IHttpRequestHelper` declares (as the CLI does).
 */
function restrictToCredentialDomains(helpers: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): IHttpRequestHelper {
	return {
		helpers: {
			httpRequest: async (requestOptions: IHttpRequestOptions) => {
				const allowedDomains = getCredentialOwnRequestAllowedDomains(credentials);
				if (allowedDomains === undefined) return await helpers.helpers.httpRequest(requestOptions);
				if (requestOptions.allowedDomains !== undefined) {
					throw new UserError(
						'This credential restricts requests to specific domains, which cannot be combined with the domains its authentication step asks for.',
					);
				}
				return await helpers.helpers.httpRequest({ ...requestOptions, allowedDomains });
			},
		},
	};
}

function ciphertext(credentials: Credentials): string {
	const { data } = credentials.getDataToSave();
	if (data === undefined) throw new UnexpectedError('Credentials were encrypted without data.');
	return data;
}

export class HarnessCredentialsHelper extends ICredentialsHelper {
	private readonly stored = new Map<string, StoredCredential>();

	constructor(private readonly credentialTypes: ICredentialTypes) {
		super();
	}

	/**
	 * Saves credential values as the editor's "Save" does, one credential per type: saving a type
	 * again replaces its values and keeps its id. Returns the reference a node's `credentials` holds.
	 */
	async save(type: string, data: ICredentialDataDecryptedObject): Promise<{ id: string; name: string }> {
		if (!this.credentialTypes.recognizes(type)) {
			throw new UserError(`Unknown credential type "${type}": load the package that defines it with loadNodeTypes().`);
		}
		const reference = this.referenceFor(type) ?? { id: `${this.stored.size + 1}`, name: `${type} account` };
		const credentials = new Credentials({ id: reference.id, name: reference.name }, type);
		await credentials.setData(data);
		this.stored.set(reference.id, { id: reference.id, name: reference.name, type, data: ciphertext(credentials) });
		return reference;
	}

	/** The reference to the saved credential of this type, if there is one. */
	referenceFor(type: string): { id: string; name: string } | undefined {
		const entry = [...this.stored.values()].find((stored) => stored.type === type);
		return entry && { id: entry.id, name: entry.name };
	}

	/** The values as stored now (including tokens written back by preAuthentication or OAuth2 refreshes). */
	async read(type: string): Promise<ICredentialDataDecryptedObject> {
		const reference = this.referenceFor(type);
		if (!reference) throw new UserError(`No credential of type "${type}" is saved.`);
		return await (await this.getCredentials(reference, type)).getData();
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.credentialTypes.getByName(typeName);
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (typeof authenticate === 'object') {
			if (!workflow || !node) {
				throw new UnexpectedError('Workflow and node are required for declarative credential authentication');
			}
			requestOptions.headers ??= {};
			if (authenticate.type === 'generic') {
				const target = requestOptions as unknown as Record<string, IDataObject>;
				for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
					for (const [key, value] of Object.entries(outerValue as IDataObject)) {
						const keyResolved = this.resolveValue(key, { $credentials: credentials }, workflow, node);
						target[outerKey] ??= {};
						target[outerKey][keyResolved] = this.resolveValue(value as string, { $credentials: credentials }, workflow, node);
					}
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	/**
	 * Calls the credential type's `preAuthentication` when its expirable hidden property is empty or
	 * the caller saw the token expire, then persists the new token (but never over a stored expression).
	 */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.credentialTypes.getByName(typeName);
		const expirableProperty = credentialType.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (expirableProperty === undefined || typeof credentialType.preAuthentication !== 'function') return undefined;
		// The CLI's marker for the temporary node its credential tester runs.
		const isTestingCredentials = node?.parameters?.temp === '' && node?.type === 'n8n-nodes-base.noOp';
		if (credentials[expirableProperty.name] !== '' && !credentialsExpired && !isTestingCredentials) return undefined;
		const output = await credentialType.preAuthentication.call(restrictToCredentialDomains(helpers, credentials), credentials);
		if (output[expirableProperty.name] === undefined || !node.credentials) return undefined;
		const nodeCredentials = node.credentials[credentialType.name];
		const storedData = await (await this.getCredentials(nodeCredentials, credentialType.name)).getData();
		const dataToPersist: ICredentialDataDecryptedObject = { ...storedData };
		for (const [key, value] of Object.entries(output as ICredentialDataDecryptedObject)) {
			if (key === expirableProperty.name || !isExpression(storedData[key])) dataToPersist[key] = value;
		}
		await this.updateCredentials(nodeCredentials, credentialType.name, dataToPersist);
		return Object.assign(credentials, output);
	}

	/** Runs `preAuthentication` for an in-memory transformation of OAuth2 token data, without persisting. */
	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const { preAuthentication } = this.credentialTypes.getByName(typeName);
		if (typeof preAuthentication !== 'function') return undefined;
		const output = await preAuthentication.call(restrictToCredentialDomains(helpers, credentials), credentials);
		return (output as ICredentialDataDecryptedObject) ?? undefined;
	}

	private resolveValue(
		parameterValue: string,
		additionalKeys: IWorkflowDataProxyAdditionalKeys,
		workflow: Workflow,
		node: INode,
	): string {
		if (!isExpression(parameterValue)) return parameterValue;
		const value = workflow.expression.getSimpleParameterValue(node, parameterValue, 'internal', additionalKeys, undefined, '');
		return value ? value.toString() : '';
	}

	getParentTypes(typeName: string): string[] {
		return this.credentialTypes.getParentTypes(typeName);
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const entry = this.findStored(nodeCredentials, type);
		return new Credentials({ id: entry.id, name: entry.name }, entry.type, entry.data);
	}

	private findStored(nodeCredentials: INodeCredentialsDetails, type: string): StoredCredential {
		if (!nodeCredentials.id) {
			throw new UserError(`The node's "${type}" credential "${nodeCredentials.name}" has no id: save it with the harness first.`);
		}
		const entry = this.stored.get(nodeCredentials.id);
		if (!entry || entry.type !== type) {
			throw new UserError(`Credential with ID "${nodeCredentials.id}" does not exist for type "${type}".`);
		}
		return entry;
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		if (!this.credentialTypes.recognizes(credentialType)) return true;
		if (!this.credentialTypes.getByName(credentialType).restrictToSupportedNodes) return true;
		return this.credentialTypes.getSupportedNodes(credentialType).includes(nodeType);
	}

	/** The type's properties merged with those of every type it extends (its own take precedence). */
	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.credentialTypes.getByName(type);
		if (credentialType.extends === undefined) {
			// OAuth token data is stored next to the user's values without being a declared property.
			if (['oAuth1Api', 'oAuth2Api'].includes(type)) {
				return [
					...credentialType.properties,
					{ displayName: 'oauthTokenData', name: 'oauthTokenData', type: 'json', required: false, default: {} },
				];
			}
			return credentialType.properties;
		}
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const data = await (await this.getCredentials(nodeCredentials, type)).getData();
		if (raw === true) return data;
		return await this.applyDefaultsAndOverwrites(additionalData, data, type, mode, executeData, expressionResolveValues);
	}

	/** Fills in the type's defaults and resolves expressions in the values, as before every use. */
	async applyDefaultsAndOverwrites(
		additionalData: IWorkflowExecuteAdditionalData,
		decryptedDataOriginal: ICredentialDataDecryptedObject,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const properties = this.getCredentialsProperties(type);
		let decryptedData = NodeHelpers.getNodeParameters(
			properties,
			decryptedDataOriginal as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		// getNodeParameters keeps declared properties only; OAuth tokens and domain lists are put back.
		if (decryptedDataOriginal.oauthTokenData !== undefined) decryptedData.oauthTokenData = decryptedDataOriginal.oauthTokenData;
		for (const domainList of ['allowedHttpRequestDomains', 'allowedDomains']) {
			if (decryptedData[domainList] === undefined && decryptedDataOriginal[domainList] !== undefined) {
				decryptedData[domainList] = decryptedDataOriginal[domainList];
			}
		}
		const additionalKeys = getAdditionalKeys(additionalData, mode, null, { isCredential: true });
		if (expressionResolveValues) {
			try {
				decryptedData = expressionResolveValues.workflow.expression.getParameterValue(
					decryptedData as INodeParameters,
					expressionResolveValues.runExecutionData,
					expressionResolveValues.runIndex,
					expressionResolveValues.itemIndex,
					expressionResolveValues.node.name,
					expressionResolveValues.connectionInputData,
					mode,
					additionalKeys,
					executeData,
					false,
					decryptedData,
				) as ICredentialDataDecryptedObject;
			} catch (error) {
				error.message += ' [Error resolving credentials]';
				throw error;
			}
			return decryptedData;
		}
		const workflow = new Workflow({ nodes: [expressionNode], connections: {}, active: false, nodeTypes: expressionNodeTypes });
		return await workflow.expression.withIsolate(
			async () =>
				workflow.expression.getComplexParameterValue(
					expressionNode,
					decryptedData as INodeParameters,
					mode,
					additionalKeys,
					undefined,
					undefined,
					decryptedData,
				) as ICredentialDataDecryptedObject,
		);
	}

	async updateCredentials(nodeCredentials: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		const credentials = await this.getCredentials(nodeCredentials, type);
		await credentials.setData(data);
		this.findStored(nodeCredentials, type).data = ciphertext(credentials);
	}

	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const credentials = await this.getCredentials(nodeCredentials, type);
		await credentials.updateData({ oauthTokenData: data.oauthTokenData });
		this.findStored(nodeCredentials, type).data = ciphertext(credentials);
	}
}

/** An ICredentialsHelper holding the given values, one credential per type (type name → values). */
export async function createCredentialsHelper(
	credentialTypes: ICredentialTypes,
	values: Record<string, ICredentialDataDecryptedObject> = {},
): Promise<HarnessCredentialsHelper> {
	const helper = new HarnessCredentialsHelper(credentialTypes);
	for (const [type, data] of Object.entries(values)) await helper.save(type, data);
	return helper;
}
