"""Microsoft Graph access: credentials, a raw-JSON transport on msgraph-sdk's pipeline, the
tenant reader and the writer. Imported only by commands that talk to Graph."""
