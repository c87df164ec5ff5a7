// The storage account behind everything stateful: CohortSync's tables (created by the app on first use, named
// Storage:TablePrefix + ...), the Durable task hub (its queues, tables and blobs, created by the extension), the Functions
// host's own blobs, and the container Flex Consumption deploys the app package from.
param location string
param tags object = {}
param name string
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Every client uses the app's identity (the Functions host, Durable, the deployment and the table adapter), so no
    // account key is needed, as in the quickstarts.
    allowSharedKeyAccess: false
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

output name string = storage.name
output tableEndpoint string = storage.properties.primaryEndpoints.table
