// Key Vault in RBAC mode (no access policies): destination API keys, which the API writes and the connectors read, and
// the table adapter's storage connection string, which the app reads through a Key Vault reference.
param location string
param tags object = {}
param name string
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

// Created through the management plane (the deployer needs no data-plane role). The name starts with "cohortsync-" so
// that it cannot be taken by a destination's secretName by accident: see infra/README.md.
resource storageConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'cohortsync-storage-connection'
  properties: {
    contentType: 'text/plain'
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
output storageConnectionSecretName string = storageConnection.name
