/**
 * Node and credential types loaded by n8n-core's own directory loaders, registered the way the
 * CLI's LoadNodesAndCredentials registers them: node types as `<package name>.<node name>`,
 * credential types by name, `extends` chains resolved for the request helpers.
 */
import { resolve } from 'path';
import {
	DirectoryLoader,
	PackageDirectoryLoader,
	UnrecognizedCredentialTypeError,
	UnrecognizedNodeTypeError,
} from 'n8n-core';
import {
	NodeHelpers,
	UserError,
	injectDomainRestrictionFields,
	type ICredentialType,
	type ICredentialTypes,
	type IDataObject,
	type INodeType,
	type INodeTypes,
	type IVersionedNodeType,
} from 'n8n-workflow';
import { ensureN8nRuntime } from './runtime';

/** Node and credential source files (`.ts` under jest or ts-node, or `.js`), as one package. */
export interface SourceFilesPackage {
	/** Prefix of the node type names, e.g. 'n8n-nodes-dynamics365-sync'. */
	packageName: string;
	/** Paths (absolute or relative to the repository root) of `*.node.ts` files. */
	nodes?: string[];
	/** Paths (absolute or relative to the repository root) of `*.credentials.ts` files. */
	credentials?: string[];
}

/** A package folder whose package.json lists its nodes and credentials in its `n8n` section. */
export interface PackageFolder {
	packageDir: string;
}

export type NodePackage = SourceFilesPackage | PackageFolder;

const repositoryRoot = resolve(__dirname, '..', '..');

/**
 * Loads named source files with n8n-core's DirectoryLoader, so each file goes through the same
 * class lookup (class name = file name), description validation and polling-parameter injection
 * as a published package. Under NODE_ENV=test, n8n-core loads classes with `require`, which is what
 * lets jest and ts-node hand it TypeScript sources.
 */
class SourceFilesLoader extends DirectoryLoader {
	constructor(
		readonly packageName: string,
		private readonly nodeFiles: string[],
		private readonly credentialFiles: string[],
	) {
		super(repositoryRoot);
	}

	async loadAll(): Promise<void> {
		for (const file of this.nodeFiles) this.loadNodeFromFile(file);
		for (const file of this.credentialFiles) this.loadCredentialFromFile(file);
	}
}

/** What n8n-nodes-base provides to our package (not installed here, so the harness ships copies). */
const nodesBaseStandIns: SourceFilesPackage = {
	packageName: 'n8n-nodes-base',
	nodes: [resolve(__dirname, 'nodes/ManualTrigger.node.ts'), resolve(__dirname, 'nodes/NoOp.node.ts')],
	credentials: [
		resolve(__dirname, 'credentials/OAuth2Api.credentials.ts'),
		resolve(__dirname, 'credentials/GoogleOAuth2Api.credentials.ts'),
	],
};

function createLoader(source: NodePackage): DirectoryLoader {
	if ('packageDir' in source) return new PackageDirectoryLoader(resolve(repositoryRoot, source.packageDir));
	return new SourceFilesLoader(source.packageName, source.nodes ?? [], source.credentials ?? []);
}

export class NodeTypeRegistry {
	readonly nodeTypes: INodeTypes;

	readonly credentialTypes: ICredentialTypes;

	private constructor(private readonly loaders: Map<string, DirectoryLoader>) {
		this.nodeTypes = {
			getByName: (type) => this.getNode(type),
			getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(this.getNode(type), version),
			getKnownTypes: () => this.knownNodes(),
		};
		this.credentialTypes = {
			recognizes: (type) => this.findCredentialLoader(type) !== undefined,
			getByName: (type) => this.getCredential(type),
			getSupportedNodes: (type) => this.supportedNodes(type),
			getParentTypes: (type) => this.parentTypes(type),
		};
	}

	static async load(packages: NodePackage[]): Promise<NodeTypeRegistry> {
		ensureN8nRuntime();
		const loaders = new Map<string, DirectoryLoader>();
		for (const source of [nodesBaseStandIns, ...packages]) {
			const loader = createLoader(source);
			if (loaders.has(loader.packageName)) {
				throw new UserError(`Node package "${loader.packageName}" is loaded twice; list each package once.`);
			}
			await loader.loadAll();
			// The CLI adds the domain-restriction fields to every credential type after loading.
			for (const name of Object.keys(loader.known.credentials)) {
				const credentialType = loader.getCredential(name).type;
				credentialType.properties = injectDomainRestrictionFields(credentialType);
			}
			loaders.set(loader.packageName, loader);
		}
		return new NodeTypeRegistry(loaders);
	}

	/** The full type names of every loaded node, e.g. 'n8n-nodes-base.noOp'. */
	nodeTypeNames(): string[] {
		return Object.keys(this.knownNodes());
	}

	private getNode(fullType: string): INodeType | IVersionedNodeType {
		const [packageName, nodeName] = fullType.split('.');
		const loader = this.loaders.get(packageName);
		if (!loader) {
			throw new UserError(
				`Unrecognized node type "${fullType}": no loaded package "${packageName}" (loaded: ${[...this.loaders.keys()].join(', ')}). Add the package to loadNodeTypes().`,
			);
		}
		return loader.getNode(nodeName).type;
	}

	private knownNodes(): IDataObject {
		const known: IDataObject = {};
		for (const [packageName, loader] of this.loaders) {
			for (const [nodeName, details] of Object.entries(loader.known.nodes)) {
				known[`${packageName}.${nodeName}`] = { ...details };
			}
		}
		return known;
	}

	private findCredentialLoader(type: string): DirectoryLoader | undefined {
		return [...this.loaders.values()].find((loader) => type in loader.known.credentials);
	}

	private getCredential(type: string): ICredentialType {
		const loader = this.findCredentialLoader(type);
		if (!loader) throw new UnrecognizedCredentialTypeError(type);
		return loader.getCredential(type).type;
	}

	private supportedNodes(type: string): string[] {
		const loader = this.findCredentialLoader(type);
		const nodeNames = loader?.known.credentials[type].supportedNodes ?? [];
		return nodeNames.map((nodeName) => `${loader?.packageName}.${nodeName}`);
	}

	/** All ancestors, as the CLI's CredentialTypes.getParentTypes finds them (the OAuth helpers look for 'oAuth2Api' here). */
	private parentTypes(type: string): string[] {
		const direct = this.findCredentialLoader(type)?.known.credentials[type].extends ?? [];
		return direct.flatMap((parent) => [parent, ...this.parentTypes(parent)]);
	}
}

/** A registry holding one node type, as the CLI builds for credential tests and expression resolution. */
export function singleNodeTypeRegistry(name: string, nodeType: INodeType): INodeTypes {
	const getByName = (type: string): INodeType => {
		if (type !== name) throw new UnrecognizedNodeTypeError('', type);
		return nodeType;
	};
	return {
		getByName,
		getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(getByName(type), version),
		getKnownTypes: () => ({}),
	};
}
