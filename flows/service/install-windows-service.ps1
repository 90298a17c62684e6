<#
.SYNOPSIS
  Installs the dental recall Node-RED as a Windows service with NSSM (https://nssm.cc):
  starts at boot, restarts on failure, logs to files that rotate.

.DESCRIPTION
  Run in an elevated PowerShell on the office machine, after:
    mkdir C:\DentalRecall; cd C:\DentalRecall
    npm install node-red@4 node-red-contrib-dentrix-recall
    copy node_modules\node-red-contrib-dentrix-recall\flows\service\recall.env.example C:\ProgramData\DentalRecall\recall.env
    (fill in recall.env: OFFICE_CODE, RECALL_WATCH_DIR, the secrets, the CRM)
  The service runs `node flows\start.js` from the installed pack with the project's
  settings file (editor on 127.0.0.1, login when NODE_RED_ADMIN_PASSWORD_HASH is set).
  The variables of recall.env are stored in the service's registry key
  (HKLM\SYSTEM\CurrentControlSet\Services\<name>\Parameters, readable by administrators):
  re-run this script after changing recall.env, then Restart-Service.

.EXAMPLE
  .\install-windows-service.ps1 -InstallDir C:\DentalRecall -EnvFile C:\ProgramData\DentalRecall\recall.env
.EXAMPLE
  .\install-windows-service.ps1 -Account 'OFFICE\svc-recall' -AccountPassword (Read-Host -AsSecureString)
  # a domain account that can read the export share (LocalSystem cannot reach network shares)
#>
[CmdletBinding()]
param(
  [string]$ServiceName = 'DentalRecall',
  [string]$InstallDir = 'C:\DentalRecall',
  [string]$EnvFile = 'C:\ProgramData\DentalRecall\recall.env',
  [string]$UserDir = 'C:\ProgramData\DentalRecall\node-red',
  [string]$LogDir = 'C:\ProgramData\DentalRecall\logs',
  [string]$Nssm = 'nssm.exe',
  [string]$Node = (Get-Command node.exe -ErrorAction SilentlyContinue).Source,
  [string]$Account = '',
  [SecureString]$AccountPassword
)
$ErrorActionPreference = 'Stop'

function Invoke-Nssm { & $Nssm @args; if ($LASTEXITCODE -ne 0) { throw "nssm $($args -join ' ') failed ($LASTEXITCODE)" } }

if (-not $Node) { throw 'node.exe not found: install Node.js 20.17+ (or 22/24) and re-open PowerShell' }
if (-not (Get-Command $Nssm -ErrorAction SilentlyContinue)) { throw "NSSM not found ($Nssm): download it from https://nssm.cc and put nssm.exe on PATH" }
$start = Join-Path $InstallDir 'node_modules\node-red-contrib-dentrix-recall\flows\start.js'
if (-not (Test-Path $start)) { throw "$start not found: run 'npm install node-red@4 node-red-contrib-dentrix-recall' in $InstallDir" }
if (-not (Test-Path $EnvFile)) { throw "$EnvFile not found: copy flows\service\recall.env.example there and fill it in" }

# NAME=value lines of the env file; comments and blank lines skipped
$vars = [ordered]@{}
foreach ($line in Get-Content $EnvFile) {
  if ($line -match '^\s*(#|$)') { continue }
  if ($line -notmatch '^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$') { throw "${EnvFile}: not NAME=value: $line" }
  $vars[$Matches[1]] = $Matches[2].Trim()
}
foreach ($required in 'OFFICE_CODE', 'RECALL_WATCH_DIR', 'RECALL_LEDGER_SECRET', 'NODE_RED_CREDENTIAL_SECRET') {
  if (-not $vars[$required]) { throw "${EnvFile}: $required must be set for a service (an empty RECALL_WATCH_DIR means the demo)" }
}
$vars['RECALL_USER_DIR'] = $UserDir
New-Item -ItemType Directory -Force -Path $UserDir, $LogDir | Out-Null

# recall.env holds every secret, the user dir the encrypted credentials and (by default) the
# ledger: Administrators, SYSTEM and the service account only, nothing inherited (C:\ProgramData
# lets Users read). SIDs, not names, so a non-English Windows works too.
function Set-OwnerOnlyAcl([string]$Path, [string]$Rights) {
  $grants = @("*S-1-5-32-544:$Rights", "*S-1-5-18:$Rights")   # Administrators, SYSTEM
  if ($Account) { $grants += "${Account}:$Rights" }
  & icacls $Path /inheritance:r /grant:r @grants | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls could not restrict $Path to Administrators, SYSTEM and the service account" }
}
Set-OwnerOnlyAcl $EnvFile '(F)'
Set-OwnerOnlyAcl $UserDir '(OI)(CI)(F)'
Set-OwnerOnlyAcl $LogDir '(OI)(CI)(F)'

if (Get-Service $ServiceName -ErrorAction SilentlyContinue) {
  & $Nssm stop $ServiceName confirm | Out-Null   # may already be stopped
  Invoke-Nssm remove $ServiceName confirm
}
Invoke-Nssm install $ServiceName $Node "`"$start`""
Invoke-Nssm set $ServiceName DisplayName 'Dental recall (Node-RED)'
Invoke-Nssm set $ServiceName Description 'Reads recall-due patients from Dentrix and posts them to the CRM once (node-red-contrib-dentrix-recall).'
Invoke-Nssm set $ServiceName AppDirectory $InstallDir
Invoke-Nssm set $ServiceName AppEnvironmentExtra @($vars.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" })
Invoke-Nssm set $ServiceName Start SERVICE_AUTO_START
# restart on any exit, after 10 s; NSSM backs off when it keeps failing
Invoke-Nssm set $ServiceName AppExit Default Restart
Invoke-Nssm set $ServiceName AppRestartDelay 10000
# stop with Ctrl+C so Node-RED closes the nodes and the ledger; 30 s before it is killed
Invoke-Nssm set $ServiceName AppStopMethodConsole 30000
Invoke-Nssm set $ServiceName AppStdout (Join-Path $LogDir 'node-red.log')
Invoke-Nssm set $ServiceName AppStderr (Join-Path $LogDir 'node-red.log')
Invoke-Nssm set $ServiceName AppRotateFiles 1
Invoke-Nssm set $ServiceName AppRotateOnline 1
Invoke-Nssm set $ServiceName AppRotateBytes 10485760
if ($Account) {
  $plain = [Runtime.InteropServices.Marshal]::PtrToStringAuto([Runtime.InteropServices.Marshal]::SecureStringToBSTR($AccountPassword))
  Invoke-Nssm set $ServiceName ObjectName $Account $plain
}
Invoke-Nssm start $ServiceName
Write-Host "Service $ServiceName started. Editor: http://127.0.0.1:$(if ($vars['PORT']) { $vars['PORT'] } else { 1880 })/  Logs: $LogDir"
