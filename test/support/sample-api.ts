/** A thin client of the sample services' HTTP APIs, for the end-to-end suites. */
export interface OrderView {
  readonly orderId: string;
  readonly tenantId: string;
  readonly customerId: string;
  readonly totalAmount: number;
  readonly status: string;
  readonly history: { readonly status: string; readonly at: string }[];
}

/** An invoice as `GET /invoices` shows it. */
export interface InvoiceView {
  readonly invoiceId: string;
  readonly orderId: string;
  readonly amount: number;
  readonly status: string;
}

/** A JSON response: status and body. */
export interface JsonResponse<T> {
  readonly status: number;
  readonly body: T;
}

/** Calls `path` on `base` with the tenant header, JSON in and out. */
export async function call<T = unknown>(
  base: string,
  path: string,
  options: { method?: string; tenant?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.tenant ? { 'x-tenant-id': options.tenant } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Places an order of `quantity` × `unitPrice`; returns its id. */
export async function placeOrder(
  ordersUrl: string,
  tenant: string,
  customerId: string,
  quantity: number,
  unitPrice: number,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await call<{ orderId: string }>(ordersUrl, '/orders', {
    method: 'POST',
    tenant,
    headers,
    body: { customerId, items: [{ sku: 'A-1', quantity, unitPrice }] },
  });
  if (response.status !== 201)
    throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.orderId;
}

/** Polls `GET /orders/:id` until `done` holds for it; fails naming the last state seen. */
export async function awaitOrder(
  ordersUrl: string,
  tenant: string,
  orderId: string,
  done: (order: OrderView) => boolean,
  timeoutMs = 30_000,
): Promise<OrderView> {
  const deadline = Date.now() + timeoutMs;
  let last: JsonResponse<OrderView> | undefined;
  while (Date.now() < deadline) {
    last = await call<OrderView>(ordersUrl, `/orders/${orderId}`, { tenant }).catch(() => undefined);
    if (last?.status === 200 && done(last.body)) return last.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `order ${orderId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
}

/**
 * Reads every 100 ms until `done` holds for what `read` returns, or `timeoutMs` passed; returns the
 * last value read, for the test to assert on.
 */
export async function poll<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** Whether the order reached a status billing decides. */
export const settled = (order: OrderView): boolean =>
  order.status === 'paid' || order.status === 'payment_failed';

/**
 * Whether the order is settled and its history shows it: the history is written by a domain-event
 * handler on the durable queue, after the status change commits, so it can trail the status.
 */
export const settledWithHistory = (order: OrderView): boolean => settled(order) && order.history.length >= 2;
