/**
 * The CLI's credential test ("Test" / save in the credential dialog), as
 * `packages/cli/src/services/credentials-tester.service.ts` runs it in n8n 2.40: the credential's
 * `test` request goes through a temporary copy of the No Operation node, n8n-core's ExecuteContext
 * and RoutingNode, so authentication and preAuthentication happen exactly as in a workflow.
 */
import { CredentialTestContext, ExecuteContext, RoutingNode } from 'n8n-core';
import {
	VersionedNodeType,
	Workflow,
	createEmptyRunExecutionData,
	type ICredentialTestFunction,
	type ICredentialTestFunctions,
	type ICredentialTestRequestData,
	type ICredentialsDecrypted,
	type IExecuteData,
	type INode,
	type INodeCredentialTestResult,
	type INodeExecutionData,
	type INodeType,
	type IRunExecutionData,
} from 'n8n-workflow';
import type { HarnessCredentialsHelper } from './credentials-helper';
import { singleNodeTypeRegistry, type NodeTypeRegistry } from './node-registry';
import { createAdditionalData } from './workflow-runs';

/** lodash `get` for the dotted key paths of `responseSuccessBody` rules. */
function valueAtPath(value: unknown, path: string): unknown {
	return path.split('.').reduce<unknown>((current, key) => (current as Record<string, unknown> | undefined)?.[key], value);
}

function hasAccessToken(credentials: ICredentialsDecrypted): boolean {
	const tokenData = credentials.data?.oauthTokenData;
	return typeof tokenData === 'object' && tokenData !== null && !Array.isArray(tokenData) && 'access_token' in tokenData;
}

const oauth2CredentialTest: ICredentialTestFunction = async function (
	this: ICredentialTestFunctions,
	credentials: ICredentialsDecrypted,
) {
	return hasAccessToken(credentials)
		? { status: 'OK', message: 'Connection Successful!' }
		: { status: 'Error', message: 'This OAuth2 credential was not connected to an account.' };
};

/** The credential's own `test`, else one declared by a node that uses it (`testedBy`), else OAuth2's. */
function findCredentialTest(
	registry: NodeTypeRegistry,
	credentialType: string,
): ICredentialTestFunction | ICredentialTestRequestData | undefined {
	const { credentialTypes, nodeTypes } = registry;
	const type = credentialTypes.getByName(credentialType);
	if (type.test) return { testRequest: type.test };
	for (const nodeName of credentialTypes.getSupportedNodes(credentialType)) {
		const node = nodeTypes.getByName(nodeName);
		const versions = node instanceof VersionedNodeType ? Object.values(node.nodeVersions) : [node as INodeType];
		for (const nodeType of versions) {
			for (const { name, testedBy } of nodeType.description.credentials ?? []) {
				if (name !== credentialType) continue;
				if (name === 'oAuth2Api' || credentialTypes.getParentTypes(name).includes('oAuth2Api')) return oauth2CredentialTest;
				if (typeof testedBy === 'string') return nodeType.methods?.credentialTest?.[testedBy];
				if (testedBy) return { nodeType, testRequest: testedBy };
			}
		}
	}
	return undefined;
}

/** Tests a saved credential; resolves with n8n's verdict (never rejects for a failing test). */
export async function runCredentialTest(
	registry: NodeTypeRegistry,
	credentialsHelper: HarnessCredentialsHelper,
	credentials: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const credentialType = credentials.type;
	const credentialTest = findCredentialTest(registry, credentialType);
	if (credentialTest === undefined) return { status: 'Error', message: 'No testing function found for this credential.' };
	const additionalData = createAdditionalData({ credentialsHelper });
	try {
		credentials.data = await credentialsHelper.applyDefaultsAndOverwrites(additionalData, credentials.data ?? {}, credentialType, 'internal');
	} catch (error) {
		return { status: 'Error', message: `${error.message}` };
	}
	if (typeof credentialTest === 'function') {
		return await credentialTest.call(new CredentialTestContext(additionalData), credentials);
	}
	const baseNodeType = credentialTest.nodeType ?? registry.nodeTypes.getByNameAndVersion('n8n-nodes-base.noOp');
	const { version } = baseNodeType.description;
	const node: INode = {
		id: 'temp',
		parameters: {},
		name: 'Temp-Node',
		type: baseNodeType.description.name,
		typeVersion: Array.isArray(version) ? version[version.length - 1] : version,
		position: [0, 0],
		credentials: { [credentialType]: { id: credentials.id, name: credentials.name } },
	};
	const testNodeType: INodeType = {
		description: {
			...baseNodeType.description,
			credentials: [{ name: credentialType, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: credentialTest.testRequest.request },
					default: '',
				},
			],
		},
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: singleNodeTypeRegistry(node.type, testNodeType),
	});
	const runExecutionData: IRunExecutionData = createEmptyRunExecutionData();
	const executeData: IExecuteData = { node, data: {}, source: null };
	const context = new ExecuteContext(
		workflow,
		node,
		createAdditionalData({ credentialsHelper, currentNodeParameters: node.parameters }),
		'internal',
		runExecutionData,
		0,
		[],
		{ main: [[{ json: {} }]] },
		executeData,
		[],
	);
	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await workflow.expression.withIsolate(
			async () => await new RoutingNode(context, testNodeType, credentials).runNode(),
		);
	} catch (error) {
		const httpResponse = error.cause?.response;
		if (httpResponse) {
			const statusCode: number = httpResponse.status;
			const ruleMessage = credentialTest.testRequest.rules?.find(
				(rule) => rule.type === 'responseCode' && rule.properties.value === statusCode,
			)?.properties.message;
			if (ruleMessage !== undefined) return { status: 'Error', message: `${ruleMessage}` };
			if (statusCode < 199 || statusCode > 299) {
				return { status: 'Error', message: httpResponse.statusText || `Received HTTP status code: ${statusCode}` };
			}
		} else if (error.cause?.code) {
			return { status: 'Error', message: error.cause.code };
		}
		return { status: 'Error', message: `${error.message}` };
	}
	for (const rule of credentialTest.testRequest.rules ?? []) {
		if (rule.type === 'responseSuccessBody' && valueAtPath(response?.[0][0].json, rule.properties.key) === rule.properties.value) {
			return { status: 'Error', message: rule.properties.message };
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}
