// CohortSync on Azure: the Function App (Flex Consumption, .NET 10 isolated, system-assigned identity), its storage
// account (the state tables, the Durable task hub, the deployment package; reached only with the app's identity), Key Vault
// in RBAC mode (destination keys), and Application Insights on Log Analytics. Deployed into an existing resource
// group: see infra/README.md. Modelled on Azure-Samples/functions-quickstart-dotnet-azd (infra/main.bicep,
// infra/core/host/functions-flexconsumption.bicep, infra/app/rbac.bicep), written with plain resources, no registry modules.
targetScope = 'resourceGroup'

@description('Short name the resource names start with: lowercase letters and digits.')
@minLength(3)
@maxLength(11)
param appName string = 'cohortsync'

@description('Where every resource goes. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
param location string = resourceGroup().location

@description('The Durable Functions task hub (host.json reads %TaskHubName%): letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'CohortSync'

@description('The scheduler timer (%SchedulerTimer%): a 6-field cron expression, in UTC. Default: every minute.')
param schedulerTimer string = '0 * * * * *'

@description('Prefix of every state table (Storage:TablePrefix): letters and digits, starting with a letter.')
@minLength(1)
@maxLength(40)
param tablePrefix string = 'cohortsync'

@description('The most instances the app scales out to.')
param maximumInstanceCount int = 40

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Tags for every resource.')
param tags object = {
  application: 'cohortsync'
}

var token = toLower(uniqueString(subscription().id, resourceGroup().id, appName))
var functionAppName = '${appName}-${token}'
var planName = 'plan-${token}'
var storageAccountName = take(toLower('${appName}${token}'), 24)
var keyVaultName = 'kv-${token}'
var logAnalyticsName = 'log-${token}'
var applicationInsightsName = 'appi-${token}'
var deploymentContainerName = 'app-package-${take(token, 7)}'

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: storageAccountName
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    location: location
    tags: tags
    name: keyVaultName
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'functionApp'
  params: {
    location: location
    tags: tags
    name: functionAppName
    planName: planName
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    // Every app setting, with no key or connection string to a resource: each client signs in with the app's identity.
    // tests/CohortSync.Azure.Tests/Deployment checks them against what the app needs at start-up.
    appSettings: {
      // The Functions host, and Durable's Azure Storage provider (host.json: connectionName AzureWebJobsStorage).
      AzureWebJobsStorage__accountName: storage.outputs.name
      AzureWebJobsStorage__credential: 'managedidentity'
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
      TaskHubName: taskHubName
      SchedulerTimer: schedulerTimer
      Storage__TablePrefix: tablePrefix
      // The table adapter reaches the account with the app's identity (Storage Table Data Contributor, rbac.bicep): no key.
      Storage__TableEndpoint: storage.outputs.tableEndpoint
      KeyVault__VaultUri: keyVault.outputs.uri
    }
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output storageAccountName string = storage.outputs.name
output keyVaultName string = keyVault.outputs.name
output keyVaultUri string = keyVault.outputs.uri
output applicationInsightsName string = monitoring.outputs.applicationInsightsName
