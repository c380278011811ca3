/**
 * The server's own types, imported type-only: nothing of the server reaches the bundle, and a change of a response
 * shape on the server fails the dashboard's type check instead of its users. Domain shapes carry epoch-ms times;
 * the API sends the same shapes with ISO 8601 strings in the fields `TimeKey` names (src/http/schemas/api-time.ts),
 * which `Wire<T>` (the server's `ApiValue<T>`) expresses. scripts/check-imports.mjs allows web/ type-only imports from src/domain and
 * src/http/schemas only. Paths carry `.js` (as in src/) so the server's type check can follow them from tests too.
 */
import type { Alert as DomainAlert } from '../../src/domain/alert.js';
import type { NodeHealth, SatelliteHealth } from '../../src/domain/health.js';
import type { Opportunity } from '../../src/domain/plan.js';
import type { Reallocation as DomainReallocation } from '../../src/domain/reallocation.js';
import type { Allocation, ProtocolType, Resource, ResourceShares } from '../../src/domain/resources.js';
import type { HostResources, ProtocolSample as DomainProtocolSample, Snapshot } from '../../src/domain/sample.js';
import type { ApiKey, CreatedApiKey, User } from '../../src/http/schemas/accounts.js';
import type { Operation as DomainOperation } from '../../src/domain/operation.js';
import type { OperationAcceptedAnswer } from '../../src/http/schemas/common.js';
import type { ApiValue, TimeKey } from '../../src/http/schemas/api-time.js';
import type {
  AdapterStatus as DomainAdapterStatus,
  AllocationView as DomainAllocationView,
  History as DomainHistory,
  SystemStatus as DomainSystemStatus,
} from '../../src/http/schemas/views.js';

/** A domain value as the API sends it: time fields (by name) as ISO strings; the type the routes answer with. */
export type Wire<T> = ApiValue<T>;

export type { ApiKey, CreatedApiKey, NodeHealth, Opportunity, ProtocolType, SatelliteHealth, User };
/** Domain shapes as the server holds them (epoch-ms times); `fromWire` (model.ts) turns an answer back into one. */
export type { Allocation, HostResources, Resource, ResourceShares, Snapshot, TimeKey };
export type { Alert as DomainAlert } from '../../src/domain/alert.js';
export type { Reallocation as DomainReallocation } from '../../src/domain/reallocation.js';
export type { AllocationView as DomainAllocationView, History as DomainHistory, Payouts as DomainPayouts } from '../../src/http/schemas/views.js';
import type { EnergyHistoryView, EnergyView, Report as DomainReport } from '../../src/http/schemas/views.js';
/** GET reports (a period's earnings per protocol, reallocations, trend) as it arrives. */
export type Report = Wire<DomainReport>;
/** The notification routes' answers and GET alerts' items (already in their wire form). */
export type { AlertWithDeliveriesAnswer, ChannelViewAnswer, TestResultAnswer } from '../../src/http/schemas/notifications.js';
/** GET energy and GET energy/history as they arrive. */
export type EnergyNow = Wire<EnergyView>;
export type EnergyHistory = Wire<EnergyHistoryView>;
export type Alert = Wire<DomainAlert>;
export type AllocationView = Wire<DomainAllocationView>;
export type AdapterStatus = Wire<DomainAdapterStatus>;
export type SystemStatus = Wire<DomainSystemStatus>;
export type Reallocation = Wire<DomainReallocation>;
export type ProtocolSample = Wire<DomainProtocolSample>;
export type History = Wire<DomainHistory>;
export type Operation = Wire<DomainOperation>;
export type { OperationAcceptedAnswer };
/** GET fleet and GET hosts as they arrive (their schemas carry ISO times already). */
export type { FleetAnswer, HostAnswer, HostPlansAnswer, StatusAnswer } from '../../src/http/schemas/fleet.js';
/** The config routes' field errors and applied changes (settings page). */
export type { ConfigApplied, ConfigFieldError } from '../../src/http/schemas/config.js';
