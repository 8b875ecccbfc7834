import * as acme from "acme-client";
import type { ChallengeType, IssuanceStep, KeyType } from "../../shared/certs";
import type { CertificatePem, TxtRecordWriter } from "../contracts";
import { AcmeNetworkError, type AcmeTransport } from "./acme-transport";
import { generateKeyPair } from "./keys";

/** Where challenge answers go: the proxy's listeners (through the CertificateStore) and the DNS provider. */
export interface ChallengeResponders {
  setHttp01(token: string, keyAuthorization: string | undefined): void;
  setTlsAlpn01(servername: string, pem: CertificatePem | undefined): void;
  dns01: TxtRecordWriter | undefined;
}

export interface OrderRequest {
  directoryUrl: string;
  email: string;
  accountKeyPem: string;
  /** The account at this CA from an earlier order (skips registration). */
  accountUrl?: string;
  names: string[];
  keyType: KeyType;
  challenge: ChallengeType;
  responders: ChallengeResponders;
  transport: AcmeTransport;
  onProgress(step: IssuanceStep): void;
}

/** The CA tried the challenge and it failed (port closed, wrong answer, record missing). */
export class ChallengeFailedError extends Error {
  constructor(readonly challenge: ChallengeType, readonly identifier: string, readonly detail: string) {
    super(`${challenge} for ${identifier}: ${detail}`);
    this.name = "ChallengeFailedError";
  }
}

/** The DNS provider could not put the DNS-01 TXT record in place: the fix is in dns.*, not at the CA. */
export class TxtRecordError extends Error {
  constructor(readonly identifier: string, override readonly cause: unknown) {
    super(`DNS-01 for ${identifier}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "TxtRecordError";
  }
}

/** The CA did not offer the challenge type, or podhost cannot answer it (DNS-01 without a provider). */
export class ChallengeUnavailableError extends Error {
  constructor(readonly challenge: ChallengeType, readonly reason: "not-offered" | "no-dns-provider") {
    super(`${challenge}: ${reason}`);
    this.name = "ChallengeUnavailableError";
  }
}

/** One ACME order with one challenge type: account, order, challenges, validation, certificate. */
export async function orderCertificate(request: OrderRequest): Promise<{ certPem: string; keyPem: string; accountUrl: string }> {
  if (request.challenge === "dns-01" && !request.responders.dns01) throw new ChallengeUnavailableError("dns-01", "no-dns-provider");
  request.onProgress("account");
  const client = new acme.Client({
    directoryUrl: request.directoryUrl,
    accountKey: request.accountKeyPem,
    ...(request.accountUrl ? { accountUrl: request.accountUrl } : {}),
    // Polling for validation and issuance: quick at first (most CAs finish in a second or two), then every 2 s for about a minute.
    backoffAttempts: 35,
    backoffMin: 100,
    backoffMax: 2_000,
  });
  request.transport.attach(client);
  if (!request.accountUrl) await register(client, request.email);

  request.onProgress("order");
  const order = await client.createOrder({ identifiers: request.names.map((value) => ({ type: "dns", value })) });
  const authorizations = await client.getAuthorizations(order);

  request.onProgress("challenge");
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const pending = [];
    for (const authz of authorizations.filter((a) => a.status !== "valid")) {
      const challenge = authz.challenges.find((c) => c.type === request.challenge);
      if (!challenge) throw new ChallengeUnavailableError(request.challenge, "not-offered");
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      cleanups.push(await respond(request, authz, keyAuthorization, challenge.token));
      pending.push({ authz, challenge });
    }
    request.onProgress("validation");
    await Promise.all(
      pending.map(async ({ authz, challenge }) => {
        await client.completeChallenge(challenge);
        try {
          await client.waitForValidStatus(challenge);
        } catch (error) {
          // Only a challenge the CA marked invalid is the port's (or record's) fault; a lost CA is explained as such.
          if (error instanceof AcmeNetworkError || request.transport.lastProblem) throw error;
          throw new ChallengeFailedError(request.challenge, authz.identifier.value, (error as Error).message);
        }
      }),
    );
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }

  request.onProgress("certificate");
  const key = await generateKeyPair(request.keyType);
  const [, csr] = await acme.crypto.createCsr({ commonName: request.names[0]!, altNames: request.names }, key.pem);
  const finalized = await client.finalizeOrder(order, csr);
  const certPem = await client.getCertificate(finalized);
  return { certPem, keyPem: key.pem, accountUrl: client.getAccountUrl() };
}

/** Register (or find) the account for this key. Choosing ACME in Settings is the user's agreement to the CA's terms (the UI says so). */
async function register(client: acme.Client, email: string): Promise<void> {
  try {
    await client.createAccount({ termsOfServiceAgreed: true, ...(email ? { contact: [`mailto:${email}`] } : {}) });
  } catch (error) {
    // The key already has an account and there is no contact to set: acme-client still sends an
    // update, which CAs refuse as empty. The account URL is known by then, so carry on.
    if (email || !hasAccountUrl(client)) throw error;
  }
}

function hasAccountUrl(client: acme.Client): boolean {
  try {
    return Boolean(client.getAccountUrl());
  } catch {
    return false;
  }
}

/** Put the challenge answer in place; returns how to take it away again. */
async function respond(request: OrderRequest, authz: acme.Authorization, keyAuthorization: string, token: string): Promise<() => Promise<void>> {
  const { responders } = request;
  const name = authz.identifier.value;
  switch (request.challenge) {
    case "http-01":
      responders.setHttp01(token, keyAuthorization);
      return async () => responders.setHttp01(token, undefined);
    case "tls-alpn-01": {
      const key = await generateKeyPair("ecdsa");
      const [, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization, key.pem);
      responders.setTlsAlpn01(name, { cert: cert.toString(), key: key.pem });
      return async () => responders.setTlsAlpn01(name, undefined);
    }
    case "dns-01": {
      const fqdn = `_acme-challenge.${name.replace(/^\*\./, "")}`;
      await responders.dns01!.setTxt(fqdn, keyAuthorization).catch((error: unknown) => {
        throw new TxtRecordError(name, error);
      });
      return () => responders.dns01!.removeTxt(fqdn, keyAuthorization);
    }
  }
}
