import Hummingbird
import MarketCore
import MarketStore

/// Invoicing: providers' billing profiles, councils' billing terms and council references,
/// invoicing runs, invoices (read, approve, dispute) and credit notes.
struct BillingController {
    let billing: BillingStore
    let runner: InvoicingRunner

    func addRoutes(to router: Router<AppRequestContext>) {
        let providers = router.group("v1/providers", context: AuthenticatedContext.self)
        providers.get(":id/billing-profile", use: profile)
        providers.put(":id/billing-profile", use: putProfile)
        let councils = router.group("v1/councils", context: AuthenticatedContext.self)
        councils.get(":id/billing-settings", use: settings)
        councils.put(":id/billing-settings", use: putSettings)
        router.group("v1/budget-holders", context: AuthenticatedContext.self)
            .put(":id/council-reference", use: putCouncilReference)
        let runs = router.group("v1/invoicing-runs", context: AuthenticatedContext.self)
        runs.get(use: listRuns)
        runs.post(use: startRun)
        runs.get(":id", use: showRun)
        let invoices = router.group("v1/invoices", context: AuthenticatedContext.self)
        invoices.get(use: list)
        invoices.get(":id", use: show)
        invoices.get(":id/document", use: document)
        invoices.get(":id/ubl", use: ubl)
        invoices.get(":id/credit-notes/:credit_note_id/ubl", use: creditNoteUBL)
        invoices.post(":id/approve", use: approve)
        invoices.post(":id/dispute", use: dispute)
        invoices.post(":id/credit-notes", use: credit)
    }

    // MARK: Profiles and terms

    @Sendable func profile(_ request: Request, context: AuthenticatedContext) async throws -> BillingProfileResponse {
        BillingProfileResponse(try await billing.profile(
            of: try context.parameters.identifier("id", as: OrganisationID.self), by: context.policy))
    }

    @Sendable func putProfile(_ request: Request, context: AuthenticatedContext) async throws -> BillingProfileResponse {
        let provider = try context.parameters.identifier("id", as: OrganisationID.self)
        let body = try await request.decodeJSON(as: PutBillingProfileRequest.self, context: context)
        let input = try BillingProfileInput(
            legalName: body.legalName, addressLine1: body.address?.line1, addressLine2: body.address?.line2,
            town: body.address?.town, postcode: body.address?.postcode, companyNumber: body.companyNumber,
            charityNumber: body.charityNumber, vatNumber: body.vatNumber, paymentTermsDays: body.paymentTermsDays,
            invoicePrefix: body.invoicePrefix, remittanceEmail: body.remittanceEmail, peppolID: body.peppolId)
        return BillingProfileResponse(try await billing.putProfile(
            input, of: provider, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func settings(_ request: Request, context: AuthenticatedContext) async throws -> BillingSettingsResponse {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        return BillingSettingsResponse(try await billing.settings(of: council, by: context.policy), of: council)
    }

    @Sendable func putSettings(_ request: Request, context: AuthenticatedContext) async throws -> BillingSettingsResponse {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        try context.policy.authorizeCouncilBilling(council)
        let body = try await request.decodeJSON(as: PutBillingSettingsRequest.self, context: context)
        let settings = try BillingSettings(
            cycle: body.cycle, fourWeeklyFrom: body.fourWeeklyFrom, deemedConfirmedAfterDays: body.deemedConfirmedAfterDays,
            peppolID: body.peppolId)
        return BillingSettingsResponse(try await billing.putSettings(settings, of: council, by: context.policy), of: council)
    }

    @Sendable func putCouncilReference(_ request: Request, context: AuthenticatedContext) async throws -> CouncilReferenceResponse {
        let holder = try context.parameters.identifier("id", as: BudgetHolderID.self)
        let body = try await request.decodeJSON(as: CouncilReferenceRequest.self, context: context)
        let reference = try await billing.setCouncilReference(body.councilReference, of: holder, by: context.policy)
        return CouncilReferenceResponse(budgetHolderId: holder, councilReference: Nullable(reference))
    }

    // MARK: Runs

    /// Runs invoicing now, as of `as_of` (default today): everything for a platform admin, what
    /// their council pays for its finance staff. Answers when the run is done.
    @Sendable func startRun(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<InvoicingRunResponse> {
        let council = try context.policy.authorizeInvoicingRun()
        let body = try await request.decodeJSON(as: StartInvoicingRunRequest.self, context: context)
        let run = try await runner.run(asOf: body.asOf, trigger: .request, startedBy: context.policy.principal.userID, council: council)
        return EditedResponse(status: .created, response: InvoicingRunResponse(run))
    }

    @Sendable func listRuns(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<InvoicingRunResponse> {
        ListResponse(try await billing.runs(by: context.policy, page: try request.pageRequest), InvoicingRunResponse.init)
    }

    @Sendable func showRun(_ request: Request, context: AuthenticatedContext) async throws -> InvoicingRunResponse {
        InvoicingRunResponse(try await billing.run(
            try context.parameters.identifier("id", as: InvoicingRunID.self), by: context.policy))
    }

    // MARK: Invoices

    /// `?provider_id=&payer=&status=&period=&due_before=` narrow the caller's invoices; newest
    /// first. `?format=csv` answers every matching invoice (up to `csvLimit`) as CSV.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var filter = InvoiceFilter()
        filter.providerID = try request.queryIdentifier("provider_id", as: OrganisationID.self)
        if let text = request.uri.queryParameters.get("payer") {
            guard let payer = Payer(id: String(text)) else {
                throw MarketError.invalid("payer", "must be a council (cnc_), organisation (org_) or budget holder (bdh_) id")
            }
            filter.payer = payer
        }
        filter.status = try request.queryValue("status", as: InvoiceStatus.self)
        filter.periodContaining = try request.queryDay("period")
        filter.dueBefore = try request.queryDay("due_before")
        switch request.uri.queryParameters.get("format") {
        case nil, "json":
            let page = try await billing.invoices(by: context.policy, filter: filter, page: try request.pageRequest)
            return try ListResponse(page, InvoiceSummaryResponse.init).response(from: request, context: context)
        case "csv":
            var rows: [[String]] = []
            var page = PageRequest(limit: PageRequest.maximumLimit)
            while rows.count < Self.csvLimit {
                let fetched = try await billing.invoices(by: context.policy, filter: filter, page: page)
                rows += fetched.items.map(InvoiceDocument.csvRow)
                guard let next = fetched.nextCursor else { break }
                page = PageRequest(limit: PageRequest.maximumLimit, after: next)
            }
            return CSV.response(header: InvoiceDocument.csvHeader, rows: rows, filename: "invoices.csv")
        default:
            throw MarketError.invalid("format", "must be json or csv")
        }
    }

    /// The most invoices one CSV holds; narrow the filters for more.
    static let csvLimit = 50_000

    /// The invoice as JSON, or (`Accept: text/html`) its printable page.
    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        if Self.prefersHTML(request) {
            return HTML.response(InvoiceDocument.html(try await billing.printable(id, by: context.policy)))
        }
        return try InvoiceResponse(try await billing.invoice(id, by: context.policy)).response(from: request, context: context)
    }

    /// The printable invoice: a self-contained HTML page for A4.
    @Sendable func document(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        return HTML.response(InvoiceDocument.html(try await billing.printable(id, by: context.policy)))
    }

    /// The e-invoice: UBL 2.1, Peppol BIS Billing 3.0.
    @Sendable func ubl(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        let printable = try await billing.printable(id, by: context.policy)
        if let refusal = printable.eInvoiceRefusal { throw MarketError.conflict(refusal) }
        return XML.response(UBLDocument.invoice(printable))
    }

    /// One of the invoice's credit notes as a UBL 2.1 credit note; 404 when it is not this invoice's.
    @Sendable func creditNoteUBL(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        let noteID = try context.parameters.identifier("credit_note_id", as: CreditNoteID.self)
        let printable = try await billing.printable(id, by: context.policy)
        guard let note = printable.invoice.creditNotes.first(where: { $0.id == noteID }) else {
            throw MarketError.notFound(resource: "credit note")
        }
        if let refusal = printable.eInvoiceRefusal { throw MarketError.conflict(refusal) }
        return XML.response(UBLDocument.creditNote(note, of: printable))
    }

    /// Whether `Accept` asks for HTML before JSON (a browser's does).
    static func prefersHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        guard let html = accept.range(of: "text/html") else { return false }
        guard let json = accept.range(of: "application/json") else { return true }
        return html.lowerBound < json.lowerBound
    }

    @Sendable func approve(_ request: Request, context: AuthenticatedContext) async throws -> InvoiceResponse {
        InvoiceResponse(try await billing.approve(
            try context.parameters.identifier("id", as: InvoiceID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func dispute(_ request: Request, context: AuthenticatedContext) async throws -> InvoiceResponse {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        let body = try await request.decodeJSON(as: DisputeInvoiceRequest.self, context: context)
        return InvoiceResponse(try await billing.dispute(
            id, reason: body.reason, lineNumbers: body.lineNumbers, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func credit(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CreditNoteResponse> {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        let body = try await request.decodeJSON(as: CreditNoteRequestBody.self, context: context)
        let creditRequest = try CreditNoteRequest(reason: body.reason, lines: body.lines?.map { ($0.lineNumber, $0.amountPence) })
        let note = try await billing.credit(id, creditRequest, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: CreditNoteResponse(note))
    }
}
