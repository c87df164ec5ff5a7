// Log Analytics and a workspace-based Application Insights resource. Local (key) authentication is off: the app sends
// telemetry with its identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING, and Monitoring Metrics Publisher in rbac.bicep).
param location string
param tags object = {}
param logAnalyticsName string
param applicationInsightsName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
// Not a credential: with local authentication off, telemetry is accepted only with the app's Entra ID token.
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
