import GRDB
import MarketCore

/// Which way a list runs along its key.
enum KeysetOrder {
    /// Oldest or lowest first: statements, directories ordered by id.
    case ascending
    /// Newest first: most lists of things that happen.
    case descending
}

/// The one way a list pages (keyset): the rows strictly after the cursor's key, in `order` of a
/// key no two rows share, and one row more than the limit, which only says that another page
/// follows. So pages are stable while rows are added. (The event feed and Open Referral keep the
/// shapes their standards give them; a relevance-ranked search resumes at an offset.)
///
/// A cursor whose key is not a `Key` (one from another kind of list) is `invalid`.
extension QueryInterfaceRequest {
    private func paged<Key: DatabaseValueConvertible & LosslessStringConvertible>(
        _ page: PageRequest, by key: some SQLSpecificExpressible, _ order: KeysetOrder, _: Key.Type
    ) throws -> Self {
        var request = self
        if let after = page.after {
            guard let value = Key(after.key) else { throw MarketError.invalid("cursor", "is not a cursor for this list") }
            request = request.filter(order == .ascending ? key > value : key < value)
        }
        return request.order(order == .ascending ? key.asc : key.desc).limit(page.limit + 1)
    }
}

extension QueryInterfaceRequest where RowDecoder: FetchableRecord {
    /// One page of records; `rowKey` reads the key of a record.
    func fetchPage<Key: DatabaseValueConvertible & LosslessStringConvertible>(
        _ page: PageRequest, by key: some SQLSpecificExpressible, _ order: KeysetOrder,
        key rowKey: (RowDecoder) -> Key?, _ db: Database
    ) throws -> Page<RowDecoder> {
        let records = try paged(page, by: key, order, Key.self).fetchAll(db)
        return Page(fetched: records, limit: page.limit, key: { rowKey($0)?.description ?? "" })
    }
}

extension QueryInterfaceRequest<Row> {
    /// One page of rows (a record with its joined columns), each made an item by `item`;
    /// `rowKey` reads the key of a row.
    func fetchPage<Key: DatabaseValueConvertible & LosslessStringConvertible, Item: Sendable>(
        _ page: PageRequest, by key: some SQLSpecificExpressible, _ order: KeysetOrder,
        key rowKey: (Row) -> Key?, _ db: Database, item: (Row) throws -> Item
    ) throws -> Page<Item> {
        let keyed = try paged(page, by: key, order, Key.self).fetchAll(db).map { row in
            (key: rowKey(row)?.description ?? "", item: try item(row))
        }
        return Page(fetched: keyed, limit: page.limit, key: \.key).map(\.item)
    }
}
